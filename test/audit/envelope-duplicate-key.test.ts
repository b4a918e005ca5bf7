// A JSON envelope with a key given twice. JSON.parse keeps the last value; stock Nakama decodes the
// envelope with protojson, which refuses a field given twice (under either spelling, at any
// depth), so the envelope is malformed: stock closes the socket with no error frame (1005), herald
// answers bad_input (with the cid when there is one cid) and closes with 1007. The chat `content`
// is a string: stock checks it is a JSON object with Go's encoding/json, which keeps the last of a
// repeated key, so a repeated key inside it is taken as sent.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fieldNames } from "../../src/server/transport/field-names.js";
import { jsonTextFault } from "../../src/server/transport/json-text-fault.js";
import { authenticate, openSocket, type RawSocket, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

/** Frames with a key given twice, each with its channel id filled in, and the field named. */
function duplicated(channelId: string): { frame: string; field: string; cid?: string }[] {
  const id = JSON.stringify(channelId);
  return [
    {
      frame: `{"cid":"1","channel_message_send":{"channel_id":${id},"content":"{}","content":"{\\"a\\":1}"}}`,
      field: "channel_message_send.content",
      cid: "1",
    },
    {
      frame: `{"cid":"2","channel_message_send":{"channel_id":${id},"channelId":${id},"content":"{}"}}`,
      field: "channel_message_send.channelId",
      cid: "2",
    },
    {
      frame: `{"cid":"3","channel_message_send":{"channel_id":${id},"content":"{}"},"cid":"4"}`,
      field: "cid",
    },
    {
      frame: `{"cid":"5","channel_leave":{"channel_id":"x"},"channel_leave":{"channel_id":${id}}}`,
      field: "channel_leave",
      cid: "5",
    },
    {
      frame: `{"cid":"6","status_follow":{"user_ids":[],"usernames":["a"],"user_ids":["b"]}}`,
      field: "status_follow.user_ids",
      cid: "6",
    },
  ];
}

async function joined(url: string): Promise<{ s: RawSocket; channelId: string }> {
  const s = await openSocket(url, await authenticate(url));
  const channel = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
  return { s, channelId: channel.id };
}

for (const mode of serverModes) {
  const stock = mode.name === "nakama";
  describe(`a JSON envelope with a key given twice (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test(
      stock
        ? "closes the socket with no error frame (1005), at the top level and nested, as stock does"
        : "is refused with bad_input naming the field, with the request's cid, then the 1007 close",
      async () => {
        const probe = await joined(srv.url);
        const cases = duplicated(probe.channelId);
        await probe.s.close();
        for (const { frame, field, cid } of cases) {
          const { s } = await joined(srv.url);
          s.ws.send(frame);
          const closed = await s.closed;
          const errors = s.received.filter((e) => e.kind === "error");
          assert.equal(
            s.received.some((e) => e.kind === "channelMessageAck"),
            false,
            `nothing is sent: ${frame}`,
          );
          if (stock) {
            assert.equal(closed.code, 1005, frame);
            assert.deepEqual(errors, [], frame);
            continue;
          }
          assert.equal(closed.code, 1007, frame);
          assert.equal(errors.length, 1, frame);
          const error = errors[0] as {
            cid?: string;
            body: { code: number; message: string; context?: object };
          };
          assert.equal(error.cid, cid, frame);
          assert.equal(error.body.code, 3, frame);
          assert.equal(error.body.message, `envelope: duplicate field "${field}"`, frame);
          assert.deepEqual(error.body.context, { herald_code: "bad_input" }, frame);
        }
      },
    );

    test("a key given twice inside the content string is taken: the content is opaque JSON text", async () => {
      const { s, channelId } = await joined(srv.url);
      const content = '{"text":"first","text":"second"}';
      s.ws.send(JSON.stringify({ cid: "7", channel_message_send: { channel_id: channelId, content } }));
      const ack = await s.next("channelMessageAck");
      assert.equal(ack.channelId, channelId);
      const pushed = s.received.find((e) => e.kind === "channelMessage");
      assert.equal((pushed?.body as { content?: string } | undefined)?.content, content);
      // The same key in sibling objects, and a key equal to a value, are no duplicates.
      s.ws.send(`{"cid":"8","status_follow":{"usernames":["usernames"]}}`);
      await s.next("status");
      await s.close();
    });
  });
}

describe("jsonTextFault", () => {
  test("finds a key given twice at any depth, and names its path", () => {
    assert.equal(jsonTextFault('{"a":1,"a":2}'), 'duplicate field "a"');
    assert.equal(jsonTextFault('{"a":{"b":1,"c":{"d":1,"d":2}}}'), 'duplicate field "a.c.d"');
    assert.equal(jsonTextFault('{"a":[{"x":1},{"x":1,"y":[1,{"z":1,"z":2}]}]}'), 'duplicate field "a.y.z"');
    assert.equal(jsonTextFault('{"a":{"k":1},"b":{"k":1},"k":{"k":"k"}}'), undefined);
    assert.equal(jsonTextFault('{"a\\u0062":1,"ab":2}'), 'duplicate field "ab"');
    assert.equal(jsonTextFault('{"s":"{\\"a\\":1,\\"a\\":2}","t":"\\"a\\":"}'), undefined);
  });

  test("tells two spellings of one field apart only when asked", () => {
    assert.equal(jsonTextFault('{"user_id":"a","userId":"b"}'), undefined);
    assert.equal(
      jsonTextFault('{"user_id":"a","userId":"b"}', { spellings: true }),
      'duplicate field "userId"',
    );
    assert.equal(jsonTextFault('{"user_id":"a","user_ids":["b"]}', { spellings: true }), undefined);
  });

  test("by the message's fields: both spellings of a field are one, a map's keys are their own", () => {
    const fieldOf = fieldNames("Envelope", false);
    const context = '{"error":{"code":3,"context":{"a_b":"1","aB":"2"}}}';
    assert.equal(jsonTextFault(context, { spellings: true }), 'duplicate field "error.context.aB"');
    assert.equal(jsonTextFault(context, { fieldOf }), undefined);
    assert.equal(
      jsonTextFault('{"channel_join":{"target":"a","type":1,"hidden":true,"hidden":false}}', { fieldOf }),
      'duplicate field "channel_join.hidden"',
    );
    assert.equal(
      jsonTextFault('{"channelJoin":{"target":"a","type":1},"channel_join":{}}', { fieldOf }),
      'duplicate field "channel_join"',
    );
    // A reader that skips unknown fields never looks at them.
    assert.equal(jsonTextFault('{"zz":1,"zz":2}', { fieldOf: fieldNames("Envelope", true) }), undefined);
    assert.equal(jsonTextFault('{"zz":1,"zz":2}', { fieldOf }), 'duplicate field "zz"');
  });

  test("finds half of a surrogate pair, not an escaped backslash before u", () => {
    assert.match(jsonTextFault('{"a":"\\ud800"}') ?? "", /surrogate/);
    assert.match(jsonTextFault('{"a":"x\\udc00"}') ?? "", /surrogate/);
    assert.equal(jsonTextFault('{"a":"\\ud83d\\ude00"}'), undefined);
    assert.equal(jsonTextFault('{"a":"\\\\ud800","b":"\\\\"}'), undefined);
  });

  test("leaves text that is not JSON to the parser", () => {
    assert.equal(jsonTextFault('{"a":"never closed'), undefined);
    assert.equal(jsonTextFault("[1,2"), undefined);
  });
});
