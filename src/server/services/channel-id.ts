import { ChannelType } from "../../gen/wire.js";
import { MAX_ROOM_NAME_LENGTH } from "../../protocol/limits.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import { utf8Length } from "./field-limits.js";
import { canonicalUuid, NIL_UUID } from "./uuid-text.js";

/** What a channel id names: a room by name, a group, or the direct chat of two users. */
export type ChannelTarget =
  | { type: typeof ChannelType.Room; id: string; roomName: string }
  | { type: typeof ChannelType.Group; id: string; groupId: string }
  | { type: typeof ChannelType.DirectMessage; id: string; userIdOne: string; userIdTwo: string };

/** Longest room name accepted, in UTF-8 bytes (as stock Nakama counts it). */
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

/**
 * One id part of a channel id: empty (stock's nil UUID), or a UUID in any spelling stock reads.
 * Returns it as stock writes it back (the nil UUID empty), or undefined when malformed.
 */
function idPart(part: string): string | undefined {
  if (part === "") return "";
  const id = canonicalUuid(part);
  if (id === undefined) return undefined;
  return id === NIL_UUID ? "" : id;
}

/**
 * Parses a channel id as stock Nakama reads one, refusing malformed ones with `words` ("Invalid
 * channel identifier" unless given; a history read has words of its own): a room's name of 1 to
 * 64 bytes (any characters: only a join checks them), a group or user part that is a UUID in any
 * spelling or empty (stock's nil UUID, which no one joins).
 */
export function parseChannelId(id: string, words: string = StockWords.invalidChannelId): ChannelTarget {
  const parts = id.split(".");
  if (parts.length < 4) return refuse("bad_input", words);
  const [mode, subject, subcontext] = parts as [string, string, string];
  const label = parts.slice(3).join(".");
  if (mode === "2" && subject === "" && subcontext === "") {
    const size = utf8Length(label);
    if (size >= 1 && size <= MAX_ROOM_NAME) return roomChannel(label);
  }
  if (mode === "3" && subcontext === "" && label === "") {
    const group = idPart(subject);
    if (group !== undefined) return groupChannel(group);
  }
  if (mode === "4" && label === "") {
    const one = idPart(subject);
    const two = idPart(subcontext);
    if (one !== undefined && two !== undefined) {
      if (one <= two) return directChannel(one, two);
      // As stock: two user ids out of order are a well-formed id too, of a stream no join makes
      // (joins put the ids in order). Nobody is in it, and its history is empty.
      return { type: ChannelType.DirectMessage, id: `4.${one}.${two}.`, userIdOne: one, userIdTwo: two };
    }
  }
  return refuse("bad_input", words);
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
