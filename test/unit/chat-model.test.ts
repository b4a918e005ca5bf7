import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { ChannelMessage as WireChannelMessage } from "../../src/gen/wire.js";
import { messageFromJson } from "../../src/protocol/json-codec.js";
import { lazyJsonCodec } from "../../src/protocol/message-view.js";
import { chatModel, toModel } from "../../src/protocol/model.js";

// Chat pushes skip the table-driven conversion (chatModel); it must give what the table gives.

const wire = (content: unknown) =>
  messageFromJson<WireChannelMessage>("ChannelMessage", {
    channel_id: "2...lobby",
    message_id: "m1",
    code: 0,
    sender_id: "u1",
    content,
    create_time: "2026-11-30T08:00:00.000Z",
    persistent: true,
  });

/** What a conversion answers: its message, or its error's code and message. */
function outcome(convert: () => unknown): unknown {
  try {
    return convert();
  } catch (error) {
    assert.ok(error instanceof HeraldError);
    return [error.code, error.message];
  }
}

test("the chat conversion gives what the table-driven one gives, errors included", () => {
  for (const content of ['{"text":"hi","n":1}', "", "{}", "[1]", "null", "not json", '"text"']) {
    const fast = outcome(() => chatModel(wire(content)));
    const table = outcome(() => toModel("ChannelMessage", wire(content)));
    assert.deepEqual(fast, table, content);
  }
  assert.deepEqual(chatModel(wire('{"a":[1]}')).content, { a: [1] });
  assert.deepEqual(
    outcome(() => chatModel(wire("[1]"))),
    ["server_error", "ChannelMessage.content: the server sent no JSON object"],
  );
});

test("a message view passes through the chat conversion untouched", () => {
  const frame = JSON.stringify({ channel_message: { message_id: "m1", content: '{"text":"hi"}' } });
  const view = lazyJsonCodec.decodeEnvelope(frame, {}).body as WireChannelMessage;
  const model = chatModel(view);
  assert.equal(model, view);
  assert.deepEqual(model.content, { text: "hi" });
});
