import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ChannelMessageCode,
  ChannelType,
  Client,
  type Session,
  type StatusPresenceEvent,
} from "../../src/index.js";
import {
  createResilientSocket,
  type GapEvent,
  type ReconnectedEvent,
  type ResilientChannelMessage,
  type ResilientSocket,
} from "../../src/resilience/index.js";
import { restartableServer } from "../helpers/forwarder.js";
import { uniqueName } from "../helpers/server.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

// 1,000 messages in all: 2 senders x 2 channels x 250, a quarter written while the server is down.
const PER_SENDER_AND_CHANNEL = 250;
const TOTAL = 4 * PER_SENDER_AND_CHANNEL;

interface Member {
  session: Session;
  socket: ResilientSocket;
  received: Map<string, ResilientChannelMessage[]>;
  reconnected: ReconnectedEvent[];
  gaps: GapEvent[];
  presence: StatusPresenceEvent[];
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`server restart (${label})`, bundledOnly(mode, "a restart on its database file"), () => {
    test("two clients chatting in a room and a group through a server restart each get all 1,000 messages (once and in server order on herald, at least once on stock), with follows, status and joins back", async (t) => {
      const server = await restartableServer(t, mode.options);
      const client = new Client({ port: server.port });

      const member = async (prefix: string): Promise<Member> => {
        const session = await client.authenticateDevice({
          id: `device-${uniqueName()}`,
          username: uniqueName(prefix),
        });
        const socket = createResilientSocket(client, {
          codec,
          reconnect: { minDelayMs: 20, maxDelayMs: 200 },
          // A pong answers after the sends queued before it: during the bursts below a loaded
          // machine may take seconds over it, which is no dead connection. (The server's going
          // away is seen from its close, not from a ping.)
          heartbeat: { intervalMs: 2000, timeoutMs: 15_000 },
        });
        t.after(() => socket.disconnect());
        const m: Member = { session, socket, received: new Map(), reconnected: [], gaps: [], presence: [] };
        socket.onChannelMessage((msg) => {
          const list = m.received.get(msg.channelId) ?? [];
          list.push(msg);
          m.received.set(msg.channelId, list);
        });
        socket.onReconnected((e) => m.reconnected.push(e));
        socket.onGap((e) => m.gaps.push(e));
        socket.onStatusPresence((e) => m.presence.push(e));
        await socket.connect(session, { appearOnline: true });
        return m;
      };
      const ada = await member("ada");
      const bob = await member("bob");
      const group = await client.createGroup(ada.session, { name: uniqueName("group"), open: true });
      await client.joinGroup(bob.session, group.id);
      const roomName = uniqueName("room");
      const ephemeralName = uniqueName("ephemeral");
      const channels: string[] = [];
      for (const m of [ada, bob]) {
        const room = await m.socket.joinChat(roomName, ChannelType.Room);
        const groupChannel = await m.socket.joinChat(group.id, ChannelType.Group);
        await m.socket.joinChat(ephemeralName, ChannelType.Room, { persistence: false });
        channels.splice(0, 2, room.id, groupChannel.id);
      }
      await ada.socket.updateStatus("ada at work");
      await bob.socket.followUsers([ada.session.userId]);
      await ada.socket.followUsers([bob.session.userId]);

      let written = 0;
      const writes: Promise<unknown>[] = [];
      const writeBatch = (count: number) => {
        for (let i = 0; i < count; i++, written++) {
          for (const [name, m] of [
            ["ada", ada],
            ["bob", bob],
          ] as const) {
            for (const channelId of channels) {
              writes.push(m.socket.writeChatMessage(channelId, { text: `${name} ${written}` }));
            }
          }
        }
      };
      const quarter = Math.floor(PER_SENDER_AND_CHANNEL / 4);
      writeBatch(quarter);
      await Promise.all(writes);
      // Writes in flight when the server goes away, more while it is away, more after it is back.
      writeBatch(quarter);
      const lost = [ada, bob].map((m) =>
        nextEvent(m.socket.onState.bind(m.socket), "reconnecting", (c) => c.state === "reconnecting"),
      );
      await server.stop();
      await Promise.all(lost);
      writeBatch(quarter);
      await server.start();
      await waitFor(
        () => ada.reconnected.length > 0 && bob.reconnected.length > 0,
        "both reconnected",
        20_000,
      );
      writeBatch(PER_SENDER_AND_CHANNEL - 3 * quarter);
      await Promise.all(writes);
      assert.equal(writes.length, TOTAL);

      if (mode.name === "nakama") await assertAtLeastOnce(channels, [ada, bob], [quarter, 3 * quarter]);
      else await assertExactlyOnce(client, ada.session, channels, [ada, bob]);
      for (const m of [ada, bob]) {
        const report = m.reconnected[0];
        assert.ok(report);
        assert.deepEqual(report.failed, []);
        assert.equal(report.appearOnline, true);
        assert.deepEqual(report.follows, [(m === ada ? bob : ada).session.userId]);
        assert.equal(report.channels.length, 3);
        for (const channelId of channels) assert.ok(report.channels.includes(channelId));
        // The ephemeral room keeps no history: what was said there while away is a gap.
        assert.ok(m.gaps.some((g) => g.reason === "not_persistent" && !channels.includes(g.channelId)));
      }
      const adaReport = ada.reconnected[0];
      assert.equal(adaReport?.status, "ada at work");
      assert.equal(adaReport?.statusRestored, true);

      // The follows work again: a status change reaches the other side.
      const seen = nextEvent(bob.socket.onStatusPresence.bind(bob.socket), "ada's new status", (e) =>
        e.joins.some((p) => p.userId === ada.session.userId && p.status === "ada back"),
      );
      await ada.socket.updateStatus("ada back");
      await seen;
      const seenBob = nextEvent(ada.socket.onStatusPresence.bind(ada.socket), "bob's status", (e) =>
        e.joins.some((p) => p.userId === bob.session.userId && p.status === "bob back"),
      );
      await bob.socket.updateStatus("bob back");
      await seenBob;
    });
  });
}

// herald deduplicates by client message id: history holds each message once, and each member
// received exactly the history, in its order.
async function assertExactlyOnce(client: Client, viewer: Session, channels: string[], members: Member[]) {
  const history = new Map<string, string[]>();
  for (const channelId of channels) {
    const ids: string[] = [];
    const texts = new Set<string>();
    for await (const msg of client.channelMessages(viewer, channelId, { forward: true })) {
      // The group's history starts with a notice of bob joining the group, before anyone chatted.
      if (msg.code !== ChannelMessageCode.Chat) continue;
      ids.push(msg.messageId);
      texts.add(String(msg.content.text));
    }
    assert.equal(ids.length, TOTAL / 2, `messages stored in ${channelId}`);
    assert.equal(texts.size, TOTAL / 2, `distinct messages in ${channelId}`);
    history.set(channelId, ids);
  }
  for (const m of members) {
    const count = () => channels.reduce((n, id) => n + (m.received.get(id)?.length ?? 0), 0);
    await waitFor(() => count() >= TOTAL, `${m.session.username} received every message`, 20_000);
    for (const channelId of channels) {
      const got = (m.received.get(channelId) ?? []).map((msg) => msg.messageId);
      assert.deepEqual(
        got,
        history.get(channelId),
        `${m.session.username}: ${channelId} once each, in order`,
      );
    }
    assert.ok(!m.gaps.some((g) => channels.includes(g.channelId)), "no gap in persistent channels");
  }
}

// Stock Nakama has no deduplication: a message whose acknowledgement was lost with the server is
// sent again and may be stored twice. Each member still gets every message at least once, but for
// one case: stock's history cursors page no further than one page, so when more than a page was
// stored in a channel before a member was back in it (the other sender's outbox emptied first),
// catch-up reports one gap and what is older than that page is gone for that member. Only messages
// of the outage can fall in it: those written before the server went away, and after both were
// back, arrive whatever happens. Where catch-up reported no gap, every message arrives, and each
// sender's messages first arrive in the order written.
async function assertAtLeastOnce(channels: string[], members: Member[], outage: [number, number]) {
  const perSender = TOTAL / 4;
  const expected = (channelId: string, m: Member) => {
    const gap = m.gaps.some((g) => g.channelId === channelId);
    const texts: string[] = [];
    for (const sender of ["ada", "bob"])
      for (let n = 0; n < perSender; n++)
        if (!gap || n < outage[0] || n >= outage[1]) texts.push(`${sender} ${n}`);
    return texts;
  };
  for (const m of members) {
    const texts = (channelId: string) =>
      (m.received.get(channelId) ?? []).map((msg) => String(msg.content.text));
    await waitFor(
      () =>
        channels.every((id) => {
          const got = new Set(texts(id));
          return expected(id, m).every((text) => got.has(text));
        }),
      `${m.session.username} received every message at least once (but those of the outage, after a gap)`,
      20_000,
    );
    for (const channelId of channels) {
      const gaps = m.gaps.filter((g) => g.channelId === channelId);
      assert.ok(gaps.length <= 1, `at most one gap for the one outage in ${channelId}`);
      if (gaps.length > 0) {
        assert.equal(gaps[0]?.reason, "too_far_behind", `the gap in ${channelId} says why`);
        continue;
      }
      for (const sender of ["ada", "bob"]) {
        const firsts = [...new Set(texts(channelId).filter((text) => text.startsWith(`${sender} `)))].map(
          (text) => Number(text.slice(sender.length + 1)),
        );
        assert.deepEqual(
          firsts,
          [...firsts].sort((x, y) => x - y),
          `${m.session.username}: ${sender}'s messages in ${channelId} first arrive in order`,
        );
      }
    }
  }
}
