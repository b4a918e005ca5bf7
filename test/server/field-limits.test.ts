import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, codecs, openSocket, rest, serverForSuite, uniqueName } from "../helpers/server.js";

describe("field limits and control characters", () => {
  const srv = serverForSuite();

  test("profile fields over their limits are refused and nothing is changed", async () => {
    const ada = await authenticate(srv.url);
    for (const [field, length] of [
      ["display_name", 1_000_000],
      ["display_name", 256],
      ["avatar_url", 513],
      ["lang_tag", 19],
      ["location", 256],
      ["timezone", 256],
    ] as const) {
      const res = await rest(srv.url, "PUT", "/v2/account", {
        token: ada.token,
        body: { [field]: "x".repeat(length) },
      });
      assert.equal(res.status, 400, `${field} of ${length}`);
      assert.match(String(res.body.message), /must be at most/);
    }
    const ok = await rest(srv.url, "PUT", "/v2/account", {
      token: ada.token,
      body: { display_name: "x".repeat(255) },
    });
    assert.equal(ok.status, 200);
    const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
    assert.equal((account.body.user as { display_name: string }).display_name, "x".repeat(255));
  });

  test("usernames with control characters are refused at sign-up and on change", async () => {
    for (const bad of ["esc\u001bname", "nul\u0000name", "bel\u0007name", "del\u007fname"]) {
      const res = await rest(
        srv.url,
        "POST",
        `/v2/account/authenticate/device?create=true&username=${encodeURIComponent(bad)}`,
        {
          basic: "defaultkey",
          body: { id: `device-${uniqueName()}` },
        },
      );
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.message, "Username invalid, no spaces or control characters allowed.");
    }
    const ada = await authenticate(srv.url);
    const change = await rest(srv.url, "PUT", "/v2/account", {
      token: ada.token,
      body: { username: "a\u001bb" },
    });
    assert.equal(change.status, 400);
    const display = await rest(srv.url, "PUT", "/v2/account", {
      token: ada.token,
      body: { display_name: "a\u0000b" },
    });
    assert.equal(display.status, 400);
  });

  test("group names and descriptions over their limits, or names with control characters, are refused", async () => {
    const ada = await authenticate(srv.url);
    const long = await rest(srv.url, "POST", "/v2/group", {
      token: ada.token,
      body: { name: "g".repeat(256) },
    });
    assert.equal(long.status, 400);
    const control = await rest(srv.url, "POST", "/v2/group", {
      token: ada.token,
      body: { name: "bad\u0007group" },
    });
    assert.equal(control.status, 400);
    const description = await rest(srv.url, "POST", "/v2/group", {
      token: ada.token,
      body: { name: uniqueName("g"), description: "d".repeat(1000) },
    });
    assert.equal(description.status, 400);
    const created = await rest(srv.url, "POST", "/v2/group", {
      token: ada.token,
      body: { name: uniqueName("g") },
    });
    assert.equal(created.status, 200);
    const update = await rest(srv.url, "PUT", `/v2/group/${created.body.id}`, {
      token: ada.token,
      body: { description: "d".repeat(1000) },
    });
    assert.equal(update.status, 400);
  });

  for (const codec of codecs) {
    test(`in ${codec.format}, room names with control characters are refused`, async () => {
      const s = await openSocket(srv.url, await authenticate(srv.url), codec);
      for (const target of ["room\u0000", "\u001b[31mred", "bell\u0007"]) {
        const reply = await s.request("channelJoin", { target, type: 1 });
        assert.equal(reply.kind, "error", JSON.stringify(target));
        assert.equal(
          (reply.body as { message: string }).message,
          "Channel name must not contain control chars: Invalid channel target",
        );
      }
      // As on stock, a channel id is not read for control characters: no one can be in that room.
      const send = await s.request("channelMessageSend", { channelId: "2...room\u0000", content: "{}" });
      assert.equal((send.body as { message: string }).message, "Must join channel before sending messages");
      await s.call("channelJoin", { target: uniqueName("fine room"), type: 1 }, "channel");
      await s.close();
    });
  }
});
