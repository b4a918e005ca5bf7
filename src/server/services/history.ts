import type { ChannelMessageListInit, ListChannelMessagesRequest } from "../../gen/wire.js";
import { ChannelType, GroupUserState } from "../../gen/wire.js";
import type { HistoryCursorMode } from "../compat.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncGroupStore, AsyncMessageStore } from "../storage/async-storage.js";
import { type MessageRow, messageToWire } from "../storage/messages.js";
import type { Caller } from "./caller.js";
import { parseChannelId } from "./channel-id.js";
import { decodeCursor, encodeCursor, type HistoryCursor } from "./history-cursor.js";

/** What history listing needs. */
export interface HistoryDeps {
  messages: AsyncMessageStore;
  groups: AsyncGroupStore;
  /** How cursors page (stock 3.26's bug only when asked for). @default "exact" */
  historyCursors?: HistoryCursorMode;
}

/**
 * Refuses a caller who may not read the channel: non-members of a group, strangers to a direct
 * chat. Stock Nakama answers both as bad input (HTTP 400) with these words; the precise meaning,
 * permission denied, travels beside it.
 */
async function checkAccess(groups: AsyncGroupStore, channelId: string, caller: Caller): Promise<string> {
  const target = parseChannelId(channelId);
  if (target.type === ChannelType.Group) {
    const state = await groups.stateOf(target.groupId, caller.userId);
    if (state === undefined || state > GroupUserState.Member)
      refuse("permission_denied", StockWords.groupHistoryNotFound, { wire: "bad_input" });
  } else if (target.type === ChannelType.DirectMessage) {
    if (caller.userId !== target.userIdOne && caller.userId !== target.userIdTwo)
      refuse("permission_denied", StockWords.directHistoryNotFound, { wire: "bad_input" });
  }
  return target.id;
}

/**
 * One page of a channel's history. Pages follow the storage sequence, so they neither skip nor
 * repeat messages. `next` cursors continue in the listing's direction; `prev` cursors go back.
 */
export async function listHistory(
  deps: HistoryDeps,
  req: ListChannelMessagesRequest,
  caller: Caller,
): Promise<ChannelMessageListInit> {
  const channelId = await checkAccess(deps.groups, req.channelId, caller);
  const limit = req.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) refuse("bad_input", StockWords.invalidLimit);
  const forward = req.forward ?? false;
  const cursor = req.cursor ? decodeCursor(req.cursor) : undefined;
  if (cursor !== undefined) {
    if (cursor.channelId !== channelId) refuse("bad_input", "Cursor does not belong to this channel.");
    if (cursor.forward !== forward)
      refuse("bad_input", "Cursor direction does not match the forward parameter.");
  }
  const m = deps.messages;
  const stock326 = deps.historyCursors === "3.26";
  const mark = (row: MessageRow, next: boolean): string => {
    const c: HistoryCursor = { channelId, seq: row.seq, forward, next };
    if (stock326) c.second = Math.floor(row.create_time / 1000);
    return encodeCursor(c);
  };

  // Which way to read from the cursor: ascending for forward-next and backward-prev.
  const ascending = cursor === undefined || cursor.next ? forward : !forward;
  let rows: MessageRow[];
  if (stock326 && cursor?.second !== undefined) {
    // Stock 3.26 compares the cursor's whole second with creation times that have a fraction:
    // going up it restarts at the first message of that second, going down it skips the second.
    const time = cursor.second * 1000;
    rows = await (ascending
      ? m.fromTime(channelId, time, limit + 1)
      : m.beforeTime(channelId, time, limit + 1));
  } else {
    const from = cursor?.seq ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    rows = await (ascending ? m.after(channelId, from, limit + 1) : m.before(channelId, from, limit + 1));
  }
  const more = rows.length > limit;
  if (more) rows = rows.slice(0, limit);
  const reversed = ascending !== forward;
  if (reversed) rows.reverse();

  const out: ChannelMessageListInit = { messages: rows.map(messageToWire) };
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first !== undefined && last !== undefined) {
    if (!reversed) {
      if (more) out.nextCursor = mark(last, true);
      const hasBefore =
        cursor !== undefined &&
        (await (forward ? m.existsBefore(channelId, first.seq) : m.existsAfter(channelId, first.seq)));
      if (cursor !== undefined && hasBefore) out.prevCursor = mark(first, false);
    } else {
      if (more) out.prevCursor = mark(first, false);
      const hasAfter = await (forward
        ? m.existsAfter(channelId, last.seq)
        : m.existsBefore(channelId, last.seq));
      if (hasAfter) out.nextCursor = mark(last, true);
    }
    // The newest message of the page; listing from it in the same direction yields only newer ones.
    const newest = forward ? last : first;
    out.cacheableCursor = mark(newest, forward);
  } else if (req.cursor) {
    out.cacheableCursor = req.cursor;
  }
  return out;
}

/** Channel history, as the REST route lists it. */
export class History {
  constructor(private readonly deps: HistoryDeps) {}

  listChannelMessages(req: ListChannelMessagesRequest, caller: Caller): Promise<ChannelMessageListInit> {
    return listHistory(this.deps, req, caller);
  }
}
