import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HeraldError, type SentChannelMessage } from "../../src/server/index.js";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

describe("message hooks", () => {
  let srv: TestServer;
  const afterCalls: SentChannelMessage[] = [];
  let afterSeen: (() => void) | undefined;
  before(async () => {
    srv = await startServer({
      hooks: {
        async beforeChannelMessageSend(ctx, message) {
          const text = String(message.content.text ?? "");
          if (text.includes("forbidden"))
            throw new HeraldError("bad_input", "Message rejected: inappropriate content");
          if (text.includes("darn")) {
            return {
              ...message,
              content: { ...message.content, text: text.replaceAll("darn", "****"), by: ctx.username },
            };
          }
          return undefined;
        },
        afterChannelMessageSend(_ctx, message) {
          afterCalls.push(message);
          afterSeen?.();
        },
      },
    });
  });
  after(() => srv.close());

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("a before hook can sanitise a message before it is stored and delivered", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const room = uniqueName("room");
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        const seen = new Promise<void>((resolve) => {
          afterSeen = resolve;
        });
        const ack = await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"text":"oh darn"}' },
          "channelMessageAck",
        );
        const got = await b.next("channelMessage");
        assert.deepEqual(JSON.parse(got.content), { text: "oh ****", by: ada.username });
        const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
        assert.deepEqual(JSON.parse((history.body.messages as { content: string }[])[0]?.content ?? ""), {
          text: "oh ****",
          by: ada.username,
        });
        await seen;
        const last = afterCalls[afterCalls.length - 1];
        assert.equal(last?.messageId, ack.messageId);
        assert.deepEqual(last?.content, { text: "oh ****", by: ada.username });
        await a.close();
        await b.close();
      });

      test("a before hook that throws a hook error refuses the message: nothing is stored or delivered", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const room = uniqueName("room");
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        const reply = await a.request("channelMessageSend", {
          channelId: ch.id,
          content: '{"text":"forbidden words"}',
        });
        assert.equal(reply.kind, "error");
        assert.deepEqual(reply.body, {
          code: 3,
          message: "Message rejected: inappropriate content",
          context: { herald_code: "bad_input" },
        });
        await b.assertNoPush("channelMessage");
        await a.assertNoPush("channelMessage");
        const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
        assert.equal(history.body.messages, undefined);
        // The socket is still usable and later sends keep their order.
        const ok = await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"text":"fine"}' },
          "channelMessageAck",
        );
        assert.equal((await b.next("channelMessage")).messageId, ok.messageId);
        await a.close();
        await b.close();
      });
    });
  }
});

describe("misbehaving hooks", () => {
  test("a hook that fails or never answers refuses that message only, and the sender goes on", async () => {
    const srv = await startServer({
      hookTimeoutMs: 50,
      hooks: {
        beforeChannelMessageSend(_ctx, message) {
          if (message.content.mode === "hang") return new Promise<undefined>(() => {});
          if (message.content.mode === "crash") throw new Error("bug in the hook");
          return undefined;
        },
      },
    });
    try {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada);
      const ch = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const hung = await a.request("channelMessageSend", { channelId: ch.id, content: '{"mode":"hang"}' });
      assert.equal(hung.kind, "error");
      assert.equal((hung.body as { code: number }).code, 4);
      const crashed = await a.request("channelMessageSend", {
        channelId: ch.id,
        content: '{"mode":"crash"}',
      });
      assert.equal(crashed.kind, "error");
      assert.equal((crashed.body as { code: number }).code, 13);
      await a.call(
        "channelMessageSend",
        { channelId: ch.id, content: '{"mode":"fine"}' },
        "channelMessageAck",
      );
      const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
      assert.equal((history.body.messages as unknown[]).length, 1);
      await a.close();
    } finally {
      await srv.close();
    }
  });
});

test("two sessions of one user sending the same client message id through a slow hook store it once", async () => {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let waiting = 0;
  let bothWaiting: () => void = () => {};
  const bothArrived = new Promise<void>((resolve) => {
    bothWaiting = resolve;
  });
  const srv = await startServer({
    hooks: {
      async beforeChannelMessageSend() {
        waiting += 1;
        if (waiting === 2) bothWaiting();
        await gate;
        return undefined;
      },
    },
  });
  try {
    const ada = await authenticate(srv.url);
    const phone = await openSocket(srv.url, ada);
    const laptop = await openSocket(srv.url, ada);
    const room = uniqueName("room");
    const ch = await phone.call("channelJoin", { target: room, type: 1 }, "channel");
    await laptop.call("channelJoin", { target: room, type: 1 }, "channel");
    const body = { channelId: ch.id, content: '{"n":1}', clientMsgId: "same-id" };
    const first = phone.call("channelMessageSend", body, "channelMessageAck");
    const second = laptop.call("channelMessageSend", body, "channelMessageAck");
    await bothArrived;
    open();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.messageId, b.messageId);
    const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
    assert.equal((history.body.messages as unknown[]).length, 1);
    await phone.close();
    await laptop.close();
  } finally {
    await srv.close();
  }
});
