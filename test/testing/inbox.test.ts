import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import { type EventSource, inbox, nextEvent, startFakeServer, waitFor } from "../../src/testing/index.js";

interface GameEvents {
  score: { player: string; points: number };
  over: { winner: string };
}

/** A minimal app emitter: the kind of source an app's own tests hand to `inbox`. */
function game() {
  const listeners = new Map<keyof GameEvents, Set<(e: never) => void>>();
  const source: EventSource<GameEvents> & {
    emit<K extends keyof GameEvents>(n: K, e: GameEvents[K]): void;
    count(n: keyof GameEvents): number;
  } = {
    count: (name) => listeners.get(name)?.size ?? 0,
    on(name, fn) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(fn as (e: never) => void);
      return () => set.delete(fn as (e: never) => void);
    },
    emit(name, event) {
      for (const fn of listeners.get(name) ?? []) (fn as (e: typeof event) => void)(event);
    },
  };
  return source;
}

describe("inbox", () => {
  test("next() consumes the first matching event, already arrived or still to come, in arrival order", async () => {
    const g = game();
    const scores = inbox<GameEvents, "score">(g, "score");
    g.emit("score", { player: "ada", points: 1 });
    g.emit("score", { player: "bob", points: 2 });
    assert.equal((await scores.next((e) => e.player === "bob")).points, 2);
    const later = scores.next((e) => e.points > 5);
    g.emit("score", { player: "bob", points: 9 });
    assert.equal((await later).points, 9);
    assert.deepEqual(
      scores.unread.map((e) => e.player),
      ["ada"],
    );
    assert.equal(scores.received.length, 3);
  });

  test("a wait that times out says what was awaited and what arrived instead", async () => {
    const g = game();
    const scores = inbox<GameEvents, "score">(g, "score", { timeoutMs: 50 });
    g.emit("score", { player: "ada", points: 1 });
    const error = await scores
      .next((e) => e.player === "zed", { what: "a score by zed" })
      .catch((e: unknown) => e);
    assert.ok(HeraldError.is(error, "timeout"), String(error));
    assert.match(error.message, /no a score by zed within 50 ms/);
    assert.match(error.message, /1 score event\(s\) arrived: \[\{"player":"ada","points":1\}\]/);
  });

  test("take() collects several events within one deadline; an aborted wait and a closed inbox fail with their own codes", async () => {
    const g = game();
    const scores = inbox<GameEvents, "score">(g, "score");
    const three = scores.take(3);
    for (let i = 1; i <= 3; i++) g.emit("score", { player: "p", points: i });
    assert.deepEqual(
      (await three).map((e) => e.points),
      [1, 2, 3],
    );
    const controller = new AbortController();
    const aborted = scores.next(() => true, { signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, (e) => HeraldError.is(e, "aborted"));
    const waiting = scores.next();
    scores.close();
    await assert.rejects(waiting, (e) => HeraldError.is(e, "disconnected"));
    g.emit("score", { player: "late", points: 0 });
    assert.equal(scores.received.length, 3, "a closed inbox still collected");
  });

  test("none() proves absence after a round trip, and names an unexpected event", async () => {
    await using fake = await startFakeServer();
    const socket = fake.client().createSocket();
    await socket.connect(fake.session());
    const statuses = inbox(socket, "statusPresence");
    await statuses.none();
    fake.pushStatusPresence({ joins: [{ userId: "u-late", status: "here" }] });
    const error = await statuses.none().catch((e: unknown) => e);
    assert.ok(HeraldError.is(error, "bad_input"), String(error));
    assert.match(error.message, /u-late/);
    const g = game();
    await assert.rejects(inbox<GameEvents, "over">(g, "over").none(), (e) => HeraldError.is(e, "bad_input"));
    await socket.disconnect();
  });
});

describe("waitFor and nextEvent", () => {
  test("waitFor resolves with the condition's value, and times out naming what it waited for", async () => {
    let n = 0;
    const timer = setInterval(() => n++, 1);
    try {
      assert.ok((await waitFor(() => (n >= 3 ? n : undefined))) >= 3);
    } finally {
      clearInterval(timer);
    }
    await assert.rejects(
      waitFor(() => false, { timeoutMs: 30, what: "the moon" }),
      (e) => HeraldError.is(e, "timeout") && /the moon did not happen within 30 ms/.test(e.message),
    );
  });

  test("nextEvent resolves with the first match and unsubscribes; its timeout lists the others", async () => {
    const g = game();
    const over = nextEvent<GameEvents["over"]>((fn) => g.on("over", fn), {
      match: (e) => e.winner === "ada",
    });
    g.emit("over", { winner: "bob" });
    g.emit("over", { winner: "ada" });
    assert.equal((await over).winner, "ada");
    assert.equal(g.count("over"), 0, "nextEvent left its listener behind");
    const waiting = nextEvent<GameEvents["score"]>((fn) => g.on("score", fn), {
      match: () => false,
      timeoutMs: 30,
      what: "a high score",
    });
    g.emit("score", { player: "x", points: 1 });
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(HeraldError.is(error, "timeout"));
    assert.match(error.message, /no a high score within 30 ms; 1 other event\(s\) arrived: \[\{"player":"x"/);
    assert.equal(g.count("score"), 0);
  });
});
