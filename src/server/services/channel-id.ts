import { ChannelType } from "../../gen/wire.js";
import { MAX_ROOM_NAME_LENGTH } from "../../protocol/limits.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import { hasControlCharacter } from "./field-limits.js";

/** What a channel id names: a room by name, a group, or the direct chat of two users. */
export type ChannelTarget =
  | { type: typeof ChannelType.Room; id: string; roomName: string }
  | { type: typeof ChannelType.Group; id: string; groupId: string }
  | { type: typeof ChannelType.DirectMessage; id: string; userIdOne: string; userIdTwo: string };

/** Longest room name accepted. */
export const MAX_ROOM_NAME = MAX_ROOM_NAME_LENGTH;

/** The channel of a room (`2...NAME`). */
export function roomChannel(name: string): ChannelTarget {
  return { type: ChannelType.Room, id: `2...${name}`, roomName: name };
}

/** The channel of a group (`3.GROUP_ID..`). */
export function groupChannel(groupId: string): ChannelTarget {
  return { type: ChannelType.Group, id: `3.${groupId}..`, groupId };
}

/** The direct channel of two users (`4.A.B.`, ids sorted so both users name the same channel). */
export function directChannel(a: string, b: string): ChannelTarget {
  const [one, two] = a <= b ? [a, b] : [b, a];
  return { type: ChannelType.DirectMessage, id: `4.${one}.${two}.`, userIdOne: one, userIdTwo: two };
}

/** Parses a channel id, refusing malformed ones with "Invalid channel identifier". */
export function parseChannelId(id: string): ChannelTarget {
  const parts = id.split(".");
  if (parts.length < 4) return refuse("bad_input", StockWords.invalidChannelId);
  const [mode, subject, subcontext] = parts as [string, string, string];
  const label = parts.slice(3).join(".");
  if (
    mode === "2" &&
    subject === "" &&
    subcontext === "" &&
    label !== "" &&
    label.length <= MAX_ROOM_NAME &&
    !hasControlCharacter(label)
  ) {
    return roomChannel(label);
  }
  if (mode === "3" && isUuid(subject) && subcontext === "" && label === "") {
    return groupChannel(subject.toLowerCase());
  }
  if (mode === "4" && isUuid(subject) && isUuid(subcontext) && label === "") {
    const one = subject.toLowerCase();
    const two = subcontext.toLowerCase();
    if (one <= two) return directChannel(one, two);
    // As stock: two user ids out of order are a well-formed id too, of a stream no join makes
    // (joins put the ids in order). Nobody is in it, and its history is empty.
    return { type: ChannelType.DirectMessage, id: `4.${one}.${two}.`, userIdOne: one, userIdTwo: two };
  }
  return refuse("bad_input", StockWords.invalidChannelId);
}

/** The room/group/user fields every channel message, ack and presence event repeats. */
export function channelFields(target: ChannelTarget): {
  channelId: string;
  roomName: string;
  groupId: string;
  userIdOne: string;
  userIdTwo: string;
} {
  return {
    channelId: target.id,
    roomName: target.type === ChannelType.Room ? target.roomName : "",
    groupId: target.type === ChannelType.Group ? target.groupId : "",
    userIdOne: target.type === ChannelType.DirectMessage ? target.userIdOne : "",
    userIdTwo: target.type === ChannelType.DirectMessage ? target.userIdTwo : "",
  };
}
