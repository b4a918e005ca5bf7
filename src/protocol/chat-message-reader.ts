import { parseTimestamp } from "./timestamp.js";

// Chat messages are most of what a client decodes, so they have a reader of their own. The
// table-driven walk of json-codec.ts stores each field under a name it looks up at run time, which
// the engine cannot specialise; here every field has its own line, the result has one shape, and
// decoding a chat push costs about half as much. Anything this reader does not expect (a wrong
// type, a camelCase or unknown key, a field added to the proto later) makes it step aside: the
// table-driven walk then decodes the message, or reports what is wrong with it, as for any other.
// Acks, the other chat message on the wire, stay with the walk: one per write, next to a network
// round trip, they are not worth the bytes in every bundle. test/unit/chat-message-reader.test.ts
// checks that the two ways agree and that every field is known here.

type Obj = Record<string, unknown>;

/** Set when a value is not of its field's type; checked once, after the whole message. */
let odd = false;
/** How many of the message's fields the JSON holds (null included), to spot keys not read here. */
let held = 0;

function str(v: unknown): string {
  if (typeof v === "string") {
    held++;
    return v;
  }
  if (v !== undefined) {
    held++;
    // null reads as absent, as in the table-driven walk.
    if (v !== null) odd = true;
  }
  return "";
}

function optional(v: unknown, type: "number" | "boolean"): unknown {
  if (v === undefined) return undefined;
  held++;
  if (v === null) return undefined;
  // Integers must be 32-bit; integers written as strings are left to the table-driven walk.
  if (typeof v !== type || (type === "number" && ((v as number) | 0) !== v)) odd = true;
  return v;
}

function time(v: unknown): Date | undefined {
  if (v === undefined) return undefined;
  held++;
  if (v === null) return undefined;
  const date = typeof v === "string" ? parseTimestamp(v) : undefined;
  if (date === undefined) odd = true;
  return date;
}

/**
 * A `ChannelMessage` decoded from its JSON (snake_case, as on the wire), as the table-driven walk
 * decodes it; undefined if the JSON holds anything but well-typed fields under their wire names.
 */
export function readChannelMessage(json: Obj): Obj | undefined {
  odd = false;
  held = 0;
  const code = optional(json.code, "number");
  const createTime = time(json.create_time);
  const updateTime = time(json.update_time);
  const persistent = optional(json.persistent, "boolean");
  // One literal with every field, in the shape of what a server sends: fields added afterwards
  // each changed the object's shape and grew a second store past the literal's room.
  const out: Obj = {
    channelId: str(json.channel_id),
    messageId: str(json.message_id),
    code,
    senderId: str(json.sender_id),
    username: str(json.username),
    content: str(json.content),
    createTime,
    updateTime,
    persistent,
    roomName: str(json.room_name),
    groupId: str(json.group_id),
    userIdOne: str(json.user_id_one),
    userIdTwo: str(json.user_id_two),
    clientMsgId: str(json.client_msg_id),
  };
  if (odd) return undefined;
  // Absent wrappers and timestamps stay absent, as the table-driven walk leaves them (rare: a
  // server sends them all).
  if (code === undefined) delete out.code;
  if (createTime === undefined) delete out.createTime;
  if (updateTime === undefined) delete out.updateTime;
  if (persistent === undefined) delete out.persistent;
  let keys = 0;
  for (const _ in json) keys++;
  return keys === held ? out : undefined;
}

/** The wire names the reader reads, by message (a test compares them with the generated table). */
export const READER_FIELDS = {
  ChannelMessage:
    "channel_id message_id code sender_id username content create_time update_time persistent room_name group_id user_id_one user_id_two client_msg_id",
};
