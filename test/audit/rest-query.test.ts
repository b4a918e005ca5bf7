// Query parameters as hand-written requests send them: integers only in decimal digits (as an HTTP
// gateway parses them), booleans in the spellings such a gateway takes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`REST query parameters (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("an integer that is not plain decimal digits is refused with 400, not read as some number", async () => {
      const ada = await authenticate(srv.url);
      for (const limit of ["1e1", "0x10", "%205", "5.0", "5%20", "", "+"]) {
        const res = await rest(srv.url, "GET", `/v2/channel/2...room?limit=${limit}`, { token: ada.token });
        assert.equal(res.status, 400, `limit=${limit}`);
        assert.equal(res.body.code, 3, `limit=${limit}`);
        assert.match(String(res.body.message), /limit: expected a 32-bit integer/, `limit=${limit}`);
      }
      for (const limit of ["5", "%2B5", "100"]) {
        const res = await rest(srv.url, "GET", `/v2/channel/2...room?limit=${limit}`, { token: ada.token });
        assert.equal(res.status, 200, `limit=${limit}`);
      }
    });

    test("booleans take the spellings of Go's ParseBool and refuse others", async () => {
      const ada = await authenticate(srv.url);
      for (const forward of ["true", "TRUE", "True", "t", "1", "false", "F", "0"]) {
        const res = await rest(srv.url, "GET", `/v2/channel/2...room?limit=5&forward=${forward}`, {
          token: ada.token,
        });
        assert.equal(res.status, 200, `forward=${forward}`);
      }
      for (const forward of ["yes", "on", "tru"]) {
        const res = await rest(srv.url, "GET", `/v2/channel/2...room?limit=5&forward=${forward}`, {
          token: ada.token,
        });
        assert.equal(res.status, 400, `forward=${forward}`);
      }
    });
  });
}
