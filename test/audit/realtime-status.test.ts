// Status requests as stock Nakama answers them (code 3, the socket stays open). status_update: a
// status given empty appears online with an empty status (herald treated it as none and appeared
// offline), and the limit is 2048 UTF-8 bytes, refused with stock's words (herald counted UTF-16
// units, in words of its own). status_follow: every user id must be a UUID in any spelling stock
// reads, then no username may be empty ("Invalid username"; herald ignored it); the caller's own id
// or name is skipped (herald listed the caller's own presences); a user named twice, by id and by
// name, is listed once. status_unfollow: a malformed id is refused (herald accepted anything).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, openSocket, type RawSocket, serverForSuite, startServer } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

/** The refusal a request gets, as [code, message]; the socket must still answer afterwards. */
async function refusal(
  sock: RawSocket,
  kind: "statusUpdate" | "statusFollow" | "statusUnfollow",
  body: object,
): Promise<[number, string]> {
  const reply = await sock.request(kind, body as never);
  assert.equal(reply.kind, "error", `expected an error reply to ${kind} ${JSON.stringify(body)}`);
  await sock.call("ping", {}, "pong");
  const { code, message } = reply.body as { code: number; message: string };
  return [code, message];
}

const INVALID_USER = "Invalid user identifier";

for (const { mode, codec, label } of modeMatrix) {
  describe(`status requests (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("a status given empty appears online with an empty status; an omitted one appears offline", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      const b = await openSocket(srv.url, bob, codec);
      try {
        await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        await a.callEmpty("statusUpdate", { status: "" });
        const online = await b.next("statusPresenceEvent");
        assert.deepEqual(
          online.joins.map((p) => [p.userId, p.status]),
          [[ada.userId, ""]],
        );
        assert.deepEqual(online.leaves, []);
        const listed = await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(
          listed.presences.map((p) => p.status),
          [""],
        );
        await a.callEmpty("statusUpdate", {});
        const offline = await b.next("statusPresenceEvent");
        assert.deepEqual(offline.joins, []);
        assert.deepEqual(
          offline.leaves.map((p) => [p.userId, p.status]),
          [[ada.userId, ""]],
        );
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("a status may have 2048 UTF-8 bytes, not more, whatever its number of characters", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        for (const status of ["x".repeat(2048), "é".repeat(1024), "🎉".repeat(512)])
          await a.callEmpty("statusUpdate", { status });
        for (const status of ["x".repeat(2049), "é".repeat(1025), "🎉".repeat(513)])
          assert.deepEqual(
            await refusal(a, "statusUpdate", { status }),
            [3, "Status must be 2048 characters or less"],
            `${status.length} UTF-16 units`,
          );
      } finally {
        await a.close();
      }
    });

    test("follow checks every id, then every username, in stock's words", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        for (const userIds of [[""], ["nope"], [bob.userId, `${bob.userId}0`], [" "]])
          assert.deepEqual(
            await refusal(a, "statusFollow", { userIds, usernames: [""] }),
            [3, INVALID_USER],
            JSON.stringify(userIds),
          );
        assert.deepEqual(
          await refusal(a, "statusFollow", { userIds: [bob.userId], usernames: [bob.username, ""] }),
          [3, "Invalid username"],
        );
        // Unknown but well-formed users, and the nil UUID, are no refusal: nobody to list.
        const none = await a.call(
          "statusFollow",
          {
            userIds: ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "00000000-0000-0000-0000-000000000000"],
            usernames: ["nobody-by-this-name"],
          },
          "status",
        );
        assert.deepEqual(none.presences, []);
      } finally {
        await a.close();
      }
    });

    test("follow skips the caller, lists a user named twice once, and reads ids in every UUID spelling", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec, { status: true });
      const b = await openSocket(srv.url, bob, codec, { status: true });
      try {
        const hex = bob.userId.replaceAll("-", "");
        const followed = await a.call(
          "statusFollow",
          {
            userIds: [
              ada.userId,
              bob.userId,
              `{${hex.toUpperCase()}}`,
              `urn:uuid:${bob.userId}`,
              ada.userId.toUpperCase(),
            ],
            usernames: [bob.username, ada.username, bob.username],
          },
          "status",
        );
        assert.deepEqual(
          followed.presences.map((p) => p.userId),
          [bob.userId],
        );
        const self = await a.call(
          "statusFollow",
          { userIds: [ada.userId], usernames: [ada.username] },
          "status",
        );
        assert.deepEqual(self.presences, []);
        // Bob's change reaches Ada once.
        await b.callEmpty("statusUpdate", { status: "busy" });
        await a.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "busy"));
        await a.assertNoPush("statusPresenceEvent", (e: { joins: { status?: string }[] }) =>
          e.joins.some((p) => p.status === "busy"),
        );
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("unfollow refuses a malformed id, and succeeds for users not followed", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      const b = await openSocket(srv.url, bob, codec);
      try {
        for (const userIds of [[""], ["nope"], [bob.userId, "x"]])
          assert.deepEqual(
            await refusal(a, "statusUnfollow", { userIds }),
            [3, INVALID_USER],
            JSON.stringify(userIds),
          );
        await a.callEmpty("statusUnfollow", { userIds: [] });
        await a.callEmpty("statusUnfollow", { userIds: [bob.userId, ada.userId] });
        // An id in another spelling unfollows the user.
        await a.call("statusFollow", { userIds: [bob.userId] }, "status");
        await a.callEmpty("statusUnfollow", { userIds: [`{${bob.userId.toUpperCase()}}`] });
        await b.callEmpty("statusUpdate", { status: "away" });
        await a.assertNoPush("statusPresenceEvent");
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

test("the follow cap counts each user once, in any spelling, and never the caller", async () => {
  // Bob's ids count once, his name once more (names are counted before they are looked up).
  const srv = await startServer({ caps: { followsPerSocket: 2 } });
  try {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const a = await openSocket(srv.url, ada, undefined, { status: true });
    const b = await openSocket(srv.url, bob, undefined, { status: true });
    const spellings = [
      bob.userId,
      bob.userId.toUpperCase(),
      `{${bob.userId}}`,
      bob.userId.replaceAll("-", ""),
    ];
    const followed = await a.call(
      "statusFollow",
      { userIds: [...spellings, ada.userId, ...spellings], usernames: [bob.username, ada.username] },
      "status",
    );
    assert.deepEqual(
      followed.presences.map((p) => p.userId),
      [bob.userId],
    );
    await a.close();
    await b.close();
  } finally {
    await srv.close();
  }
});
