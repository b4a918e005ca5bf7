// Lookups by a text holding a NUL character (usernames, room names, group filters). SQLite stores
// NUL and finds nothing by it; PostgreSQL's text cannot hold it and refused the query, which
// herald answered as a server error (HTTP 500) with the database's own words. It is the request's
// text that is wrong: 400, "bad_input".

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";

const postgres = process.env.HERALD_TEST_DB === "postgres";

for (const mode of serverModes) {
  describe(
    `lookups by text holding a NUL (${mode.name} server)`,
    bundledOnly(mode, "herald's storage engines"),
    () => {
      const srv = serverForSuite(mode.options);
      const paths = [
        "/v2/user?usernames=a%00b",
        "/v2/channel/2...a%00b?limit=1",
        "/v2/group?limit=1&name=a%00",
        "/v2/group?limit=1&lang_tag=en%00",
        "/v2/friend?limit=1&state=0",
      ];
      for (const path of paths) {
        test(`GET ${path}`, async () => {
          const user = await authenticate(srv.url);
          const res = await rest(srv.url, "GET", path, { token: user.token });
          if (postgres && path.includes("%00")) {
            assert.equal(res.status, 400, JSON.stringify(res.body));
            // gRPC 3, stock's code for a bad argument (herald's own mode also names its code).
            assert.equal(res.body.code, 3);
            if (mode.name === "herald") assert.equal(res.body.herald_code, "bad_input");
            assert.equal(res.body.message, "Text must not contain a NUL character.");
          } else {
            assert.equal(res.status, 200, JSON.stringify(res.body));
          }
        });
      }
    },
  );
}
