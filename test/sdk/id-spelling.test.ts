import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { canonicalUuid as serverCanonical } from "../../src/server/services/uuid-text.js";
import { canonicalChannelId, canonicalUuid } from "../../src/socket/ids.js";

// The SDK keeps ids in the spelling the servers answer with; it must read the spellings the server
// reads (herald's server reads what stock Nakama's UUID parser does), and no other but one: the
// SDK lower-cases first, so an upper-case `URN:UUID:` prefix, which the server refuses, reads as
// the id (as the presence store, which lower-cased ids before sending them, always sent it).
test("the SDK reads a UUID in the spellings the server reads", () => {
  const id = randomUUID();
  const hex = id.replace(/-/g, "");
  const spellings = [id, id.toUpperCase(), hex, hex.toUpperCase(), `{${id}}`, `{${hex.toUpperCase()}}`];
  spellings.push(`urn:uuid:${id}`, `urn:uuid:${hex.toUpperCase()}`);
  const malformed = [
    `{${id}`,
    `${id}}`,
    `{{${id}}}`,
    `urn:uuid:{${id}}`,
    `{urn:uuid:${id}}`,
    `${id.slice(0, 8)}${id.slice(9)}`,
    `${hex.slice(0, 31)}g`,
    `${hex}0`,
    ` ${id}`,
    "",
    "not-a-user-id",
  ];
  for (const text of spellings) {
    assert.equal(serverCanonical(text), id, text);
    assert.equal(canonicalUuid(text), id, text);
  }
  assert.equal(serverCanonical(`URN:UUID:${id}`), undefined);
  assert.equal(canonicalUuid(`URN:UUID:${id}`), id);
  for (const text of malformed) {
    assert.equal(serverCanonical(text), undefined, text);
    assert.equal(canonicalUuid(text), text.toLowerCase(), text);
  }
});

test("a channel id's group and user ids are read in any spelling; a room's name stays as given", () => {
  const [a, b] = [randomUUID(), randomUUID()];
  assert.equal(canonicalChannelId(`3.{${a.toUpperCase()}}..`), `3.${a}..`);
  assert.equal(canonicalChannelId(`4.${a.toUpperCase()}.${b.replace(/-/g, "")}.`), `4.${a}.${b}.`);
  assert.equal(canonicalChannelId(`2...Lobby.${a.toUpperCase()}`), `2...Lobby.${a.toUpperCase()}`);
});
