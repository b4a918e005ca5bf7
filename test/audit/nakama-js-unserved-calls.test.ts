// The stock nakama-js client's calls for features herald does not serve (storage, leaderboards,
// tournaments, rpc, matches, parties, purchases, linking, social sign-in, account deletion...):
// each fails cleanly, over REST after the session check as stock does it (401 first), on the
// socket with an error reply to that very call, and the socket stays usable. Both server modes,
// both socket adapters.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Client, Session, Socket } from "@heroiclabs/nakama-js";
import { serverModes } from "../helpers/server-modes.js";
import {
  adapters,
  restRefusal,
  type StockClientKit,
  socketRefusal,
  stockClientKit,
} from "./nakama-js-kit.js";

/** Each REST call herald does not serve, as an app makes it with a session. */
function unservedRestCalls(client: Client, s: Session): Record<string, () => Promise<unknown>> {
  const me = s.user_id as string;
  return {
    deleteAccount: () => client.deleteAccount(s),
    emitEvent: () => client.emitEvent(s, { name: "opened", properties: {} }),
    readStorageObjects: () => client.readStorageObjects(s, { object_ids: [] }),
    writeStorageObjects: () => client.writeStorageObjects(s, [{ collection: "c", key: "k", value: {} }]),
    listStorageObjects: () => client.listStorageObjects(s, "c"),
    deleteStorageObjects: () => client.deleteStorageObjects(s, { object_ids: [] }),
    listLeaderboardRecords: () => client.listLeaderboardRecords(s, "lb"),
    listLeaderboardRecordsAroundOwner: () => client.listLeaderboardRecordsAroundOwner(s, "lb", me),
    writeLeaderboardRecord: () => client.writeLeaderboardRecord(s, "lb", { score: "1" }),
    listTournaments: () => client.listTournaments(s),
    joinTournament: () => client.joinTournament(s, "t"),
    listTournamentRecords: () => client.listTournamentRecords(s, "t"),
    listTournamentRecordsAroundOwner: () => client.listTournamentRecordsAroundOwner(s, "t", me),
    writeTournamentRecord: () => client.writeTournamentRecord(s, "t", { score: "1" }),
    deleteTournamentRecord: () => client.deleteTournamentRecord(s, "t"),
    listMatches: () => client.listMatches(s),
    listFriendsOfFriends: () => client.listFriendsOfFriends(s),
    importFacebookFriends: () => client.importFacebookFriends(s, { token: "t" }),
    importSteamFriends: () => client.importSteamFriends(s, { token: "t" }, false),
    linkCustom: () => client.linkCustom(s, { id: "custom-link" }),
    linkDevice: () => client.linkDevice(s, { id: "device-link" }),
    linkEmail: () => client.linkEmail(s, { email: "a@example.com", password: "a long password" }),
    unlinkDevice: () => client.unlinkDevice(s, { id: "device-link" }),
    unlinkGoogle: () => client.unlinkGoogle(s, { token: "t" }),
    validatePurchaseApple: () => client.validatePurchaseApple(s, "receipt"),
    validatePurchaseGoogle: () => client.validatePurchaseGoogle(s, "purchase"),
    validateSubscriptionApple: () => client.validateSubscriptionApple(s, "receipt"),
    getSubscription: () => client.getSubscription(s, "product"),
    listSubscriptions: () => client.listSubscriptions(s),
  };
}

/** Each socket call herald does not serve; each expects a reply (a cid). */
function unservedSocketCalls(socket: Socket, userId: string): Record<string, () => Promise<unknown>> {
  const presence = { user_id: userId, session_id: "s", username: "u", node: "n" };
  return {
    createMatch: () => socket.createMatch(),
    joinMatch: () => socket.joinMatch("match", undefined, {}),
    joinMatchByToken: () => socket.joinMatch(undefined, "token"),
    leaveMatch: () => socket.leaveMatch("match"),
    addMatchmaker: () => socket.addMatchmaker("*", 2, 4, { mode: "x" }, { level: 1 }),
    removeMatchmaker: () => socket.removeMatchmaker("ticket"),
    createParty: () => socket.createParty(true, 2),
    joinParty: () => socket.joinParty("party"),
    leaveParty: () => socket.leaveParty("party"),
    closeParty: () => socket.closeParty("party"),
    acceptPartyMember: () => socket.acceptPartyMember("party", presence),
    promotePartyMember: () => socket.promotePartyMember("party", presence),
    removePartyMember: () => socket.removePartyMember("party", presence),
    listPartyJoinRequests: () => socket.listPartyJoinRequests("party"),
    addMatchmakerParty: () => socket.addMatchmakerParty("party", "*", 2, 4),
    removeMatchmakerParty: () => socket.removeMatchmakerParty("party", "ticket"),
  };
}

for (const mode of serverModes) {
  describe(`nakama-js calls herald does not serve (${mode.name} mode)`, () => {
    let kit: StockClientKit;
    before(async () => {
      kit = await stockClientKit(mode);
    });
    after(() => kit.close());

    test("REST: each is refused with 404 or 501 after the session check, and the client goes on", async () => {
      const { client } = kit;
      const session = await kit.signIn("nkun");
      for (const [name, call] of Object.entries(unservedRestCalls(client, session))) {
        const refused = await restRefusal(call());
        assert.ok([404, 501].includes(refused.status), `${name}: ${refused.status}`);
        assert.equal(typeof refused.body.code, "number", name);
        assert.equal(typeof refused.body.message, "string", name);
      }
      // deleteAccount's path is also the account's: its DELETE is stock's, not a method herald lacks.
      const deletion = await restRefusal(client.deleteAccount(session));
      assert.deepEqual(
        [deletion.status, deletion.body.message],
        [501, "account deletion is not offered by this server"],
      );
      assert.equal(
        (await client.getAccount(session)).user?.id,
        session.user_id,
        "the account is still there",
      );

      // The session is checked first: a logged-out session gets 401 from every one of them.
      const gone = await kit.signIn("nkgone");
      await client.sessionLogout(gone, gone.token, gone.refresh_token);
      for (const [name, call] of Object.entries(unservedRestCalls(client, gone))) {
        const refused = await restRefusal(call());
        assert.deepEqual([refused.status, refused.body.code], [401, 16], name);
      }
      // Social sign-in takes the server key first, as every sign-in does.
      for (const call of [
        () => client.authenticateGoogle("token"),
        () => client.authenticateApple("token"),
        () => client.authenticateFacebook("token"),
        () => client.authenticateSteam("token"),
        () => client.authenticateFacebookInstantGame("signed"),
        () => client.authenticateGameCenter("bundle", "player", "url", "salt", "sig", "1"),
      ]) {
        assert.equal((await restRefusal(call())).status, 501);
      }
    });

    test("REST rpc: a session or stock's HTTP key reaches 'RPC function not found'; wrong or no credentials get 401", async () => {
      const { client, srv } = kit;
      const session = await kit.signIn("nkrpc");
      const withSession = await restRefusal(client.rpc(session, "reward", { coins: 1 }));
      assert.deepEqual(
        [withSession.status, withSession.body.code, withSession.body.message],
        [404, 5, "RPC function not found"],
      );
      // Server to server: stock's default runtime HTTP key, in the query.
      const noId = await restRefusal(client.rpc(session, "", {}));
      assert.deepEqual([noId.status, noId.body.code, noId.body.message], [400, 3, "RPC ID must be set"]);
      const withKey = await restRefusal(client.rpcHttpKey("defaulthttpkey", "reward", { coins: 1 }));
      assert.deepEqual(
        [withKey.status, withKey.body.code, withKey.body.message],
        [404, 5, "RPC function not found"],
      );
      const wrongKey = await restRefusal(client.rpcHttpKey("not-the-key", "reward"));
      assert.deepEqual(
        [wrongKey.status, wrongKey.body.code, wrongKey.body.message],
        [401, 16, "HTTP key invalid"],
      );
      const none = await fetch(`${srv.url}/v2/rpc/reward`, { method: "POST", body: '"{}"' });
      assert.equal(none.status, 401);
      assert.deepEqual(await none.json(), {
        code: 16,
        message: "Auth token or HTTP key required",
        ...(mode.name === "herald" ? { herald_code: "unauthenticated" } : {}),
      });
      // The key in HTTP Basic is read the same way; a bad token is an invalid token.
      const basic = await fetch(`${srv.url}/v2/rpc/reward`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from("defaulthttpkey:").toString("base64")}` },
        body: '"{}"',
      });
      assert.equal(basic.status, 404);
      const badToken = await fetch(`${srv.url}/v2/rpc/reward`, {
        method: "GET",
        headers: { authorization: "Bearer not.a.token" },
      });
      assert.deepEqual(
        [badToken.status, ((await badToken.json()) as { message: string }).message],
        [401, "Auth token invalid"],
      );
      // A Basic header that is not padded base64 with a colon is no HTTP key to stock, as for the
      // server key: it is read as a (bad) token.
      for (const header of [
        "Basic not-base64!",
        `Basic ${Buffer.from("defaulthttpkey").toString("base64")}`,
      ]) {
        const malformed = await fetch(`${srv.url}/v2/rpc/reward`, {
          method: "POST",
          headers: { authorization: header },
          body: '"{}"',
        });
        assert.deepEqual(
          [malformed.status, ((await malformed.json()) as { message: string }).message],
          [401, "Auth token invalid"],
          header,
        );
      }
    });

    for (const adapter of adapters) {
      test(`socket (${adapter.name}): each gets an error reply to its own call, the socket stays open and answers`, async () => {
        const { socket, session } = await kit.connect(adapter);
        let disconnected = false;
        socket.ondisconnect = () => {
          disconnected = true;
        };
        const rpc = await socketRefusal(socket.rpc("reward", "{}"));
        assert.deepEqual(rpc, { code: 6, message: "RPC function not found" });
        const noId = await socketRefusal(socket.rpc());
        assert.deepEqual(noId, { code: 3, message: "RPC ID must be set" });
        const withKey = await socketRefusal(socket.rpc("reward", "{}", "defaulthttpkey"));
        assert.equal(withKey.code, 6);
        for (const [name, call] of Object.entries(unservedSocketCalls(socket, session.user_id as string))) {
          const refused = await socketRefusal(call());
          assert.equal(typeof refused.code, "number", name);
          assert.notEqual(refused.code, 3, `${name}: not a bad-input refusal of a well-formed request`);
          assert.match(refused.message, /not offered by this server/, name);
        }
        // Sends without a reply (no cid): nothing to wait for, and nothing breaks.
        await socket.sendMatchState("match", 1, "data");
        await socket.sendMatchState("match", 2, new Uint8Array([1, 2, 3]), []);
        await socket.sendPartyData("party", 1, "data");
        const status = await socket.followUsers([session.user_id as string]);
        assert.deepEqual(status.presences ?? [], []);
        const channel = await socket.joinChat("nk-after-unserved", 1, false, false);
        assert.equal(channel.id, "2...nk-after-unserved");
        assert.equal(disconnected, false);
      });
    }
  });
}
