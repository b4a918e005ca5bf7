import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import { endlessHistory, type FakeHistoryRequest, startFakeServer } from "../../src/testing/index.js";

describe("the fake server's history", () => {
  test("a history handler serves pages to the client's reads, with what each read asked for", async () => {
    await using fake = await startFakeServer();
    const reads: FakeHistoryRequest[] = [];
    fake.onHistory((read) => {
      reads.push(read);
      if (read.cursor === "") {
        return {
          messages: [{ username: "bob", senderId: "u-bob", content: { text: "second" } }],
          nextCursor: "older",
        };
      }
      if (read.cursor === "older") {
        return { messages: [{ username: "bob", senderId: "u-bob", content: '{"text":"first"}' }] };
      }
      return undefined;
    });
    const client = fake.client();
    const session = fake.session({ userId: "u-ada", username: "ada" });
    const texts: unknown[] = [];
    for await (const m of client.channelMessages(session, "2...lobby", { limit: 1 })) {
      assert.equal(m.channelId, "2...lobby", "the channel read is filled in");
      assert.ok(m.messageId !== "" && m.createTime instanceof Date, "an id and a time are filled in");
      texts.push(m.content.text);
    }
    assert.deepEqual(texts, ["second", "first"]);
    assert.deepEqual(
      reads.map(({ channelId, limit, forward, cursor }) => ({ channelId, limit, forward, cursor })),
      [
        { channelId: "2...lobby", limit: 1, forward: false, cursor: "" },
        { channelId: "2...lobby", limit: 1, forward: false, cursor: "older" },
      ],
    );
    assert.equal(reads[0]?.http.method, "GET");

    // A cursor the handler does not know falls through to the default: an empty history.
    const unknown = await client.listChannelMessages(session, "2...lobby", { cursor: "elsewhere" });
    assert.deepEqual(unknown.messages, []);
  });

  test("removing a handler restores the default, and a malformed read is refused as the server would", async () => {
    await using fake = await startFakeServer();
    const off = fake.onHistory(() => ({ messages: [{ username: "bob", content: {} }] }));
    const client = fake.client();
    const session = fake.session();
    assert.equal((await client.listChannelMessages(session, "2...lobby")).messages.length, 1);
    off();
    assert.equal((await client.listChannelMessages(session, "2...lobby")).messages.length, 0);

    fake.onHistory(() => ({ messages: [] }));
    const res = await fetch(`${fake.url}/v2/channel/2...lobby?limit=many`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: number }).code, 3);
  });

  test("endless history: every page is full with a new cursor, and reading back never reaches the first page", async () => {
    await using fake = await startFakeServer();
    const history = endlessHistory();
    fake.onHistory(history);
    const client = fake.client();
    const session = fake.session();
    const [seen] = (await client.listChannelMessages(session, "2...endless", { limit: 1 })).messages;
    assert.ok(seen);
    let cursor = "";
    const cursors = new Set<string>();
    let previousOldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const page = await client.listChannelMessages(session, "2...endless", { limit: 10, cursor });
      assert.equal(page.messages.length, 10, "every page is full");
      assert.notEqual(page.nextCursor, "");
      assert.ok(!cursors.has(page.nextCursor), "every cursor is new");
      cursors.add(page.nextCursor);
      const times = page.messages.map((m) => m.createTime?.getTime() ?? 0);
      assert.ok(
        times.every((t, j) => j === 0 || t < (times[j - 1] as number)),
        "newest first",
      );
      assert.ok((times[0] as number) < previousOldest, "each page older than the one before");
      assert.ok(
        times.every((t) => t > (seen.createTime?.getTime() ?? 0)),
        "yet newer than the first page",
      );
      previousOldest = times.at(-1) as number;
      cursor = page.nextCursor;
    }
    assert.equal(history.pages, 6);
    assert.equal(history.messages, 51);
  });

  test("endless history's delay holds each page back until it passes", async () => {
    await using fake = await startFakeServer();
    const history = endlessHistory({ delayMs: 60_000 });
    fake.onHistory(history);
    const client = fake.client({ timeoutMs: 50 });
    await assert.rejects(client.listChannelMessages(fake.session(), "2...endless"), (e) =>
      HeraldError.is(e, "timeout"),
    );
    history.delayMs = 0;
    assert.equal(history.delayMs, 0);
    const page = await fake.client().listChannelMessages(fake.session(), "2...endless", { limit: 2 });
    assert.equal(page.messages.length, 2);
  });
});

describe("what the fake server exposes for the rest", () => {
  test("an HTTP request keeps its url as sent, repeated query parameters included", async () => {
    await using fake = await startFakeServer();
    fake.onHttp(() => ({ body: {} }));
    await fake.client().kickGroupUsers(fake.session(), "g-1", ["a", "b"]);
    assert.equal(fake.httpRequests[0]?.url, "/v2/group/g-1/kick?user_ids=a&user_ids=b");
  });

  test("a connection's ws is the server side of the socket, for raw frames the kit does not cover", async () => {
    await using fake = await startFakeServer();
    const socket = fake.client().createSocket();
    await socket.connect(fake.session());
    const connection = await fake.nextConnection();
    const raw: string[] = [];
    connection.ws.on("message", (data: Buffer) => raw.push(data.toString()));
    await socket.ping();
    assert.equal(raw.length, 1);
    assert.equal((JSON.parse(raw[0] as string) as { ping?: object }).ping !== undefined, true);
    await socket.disconnect();
  });
});
