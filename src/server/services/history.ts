import type { ChannelMessageListInit, ListChannelMessagesRequest } from "../../gen/wire.js";
import { ChannelType, GroupUserState } from "../../gen/wire.js";
import type { HistoryCursorMode } from "../compat.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncGroupStore, AsyncMessageStore } from "../storage/async-storage.js";
import { type MessageRow, messageToWire } from "../storage/messages.js";
import type { Caller } from "./caller.js";
import { type ChannelTarget, parseChannelId } from "./channel-id.js";
import { decodeCursor, encodeCursor, HISTORY_CURSOR_INVALID, type HistoryCursor } from "./history-cursor.js";

/** What history listing needs. */
export interface HistoryDeps {
  messages: AsyncMessageStore;
  groups: AsyncGroupStore;
  /** How cursors page (stock 3.26's bug only when asked for). @default "exact" */
  historyCursors?: HistoryCursorMode;
}

/** Stock's words, on a history read, for a channel id it cannot read. */
const INVALID_CHANNEL_ID = "Invalid channel ID.";

/**
 * Refuses a caller who may not read the channel: non-members of a group, strangers to a direct
 * chat. Stock Nakama answers both as bad input (HTTP 400) with these words; the precise meaning,
 * permission denied, travels beside it.
 */
async function checkAccess(groups: AsyncGroupStore, target: ChannelTarget, caller: Caller): Promise<void> {
  if (target.type === ChannelType.Group) {
    const state = await groups.stateOf(target.groupId, caller.userId);
    if (state === undefined || state > GroupUserState.Member)
      refuse("permission_denied", StockWords.groupHistoryNotFound, { wire: "bad_input" });
  } else if (target.type === ChannelType.DirectMessage) {
    if (caller.userId !== target.userIdOne && caller.userId !== target.userIdTwo)
      refuse("permission_denied", StockWords.directHistoryNotFound, { wire: "bad_input" });
  }
}

/**
 * One page of a channel's history. Pages follow the storage sequence, so they neither skip nor
 * repeat messages. `next` cursors continue in the listing's direction; `prev` cursors go back.
 * The checks come in stock's order: the limit, the channel id, the cursor, then the caller's
 * right to read.
 */
export async function listHistory(
  deps: HistoryDeps,
  req: ListChannelMessagesRequest,
  caller: Caller,
): Promise<ChannelMessageListInit> {
  const limit = req.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) refuse("bad_input", StockWords.invalidLimit);
  // As stock: oldest first when `forward` is not given.
  const forward = req.forward ?? true;
  const target = parseChannelId(req.channelId, INVALID_CHANNEL_ID);
  const channelId = target.id;
  const cursor = req.cursor ? decodeCursor(req.cursor) : undefined;
  if (cursor !== undefined && (cursor.channelId !== channelId || cursor.forward !== forward)) {
    refuse("bad_input", HISTORY_CURSOR_INVALID);
  }
  await checkAccess(deps.groups, target, caller);
  const m = deps.messages;
  const stock326 = deps.historyCursors === "3.26";
  const mark = (row: MessageRow, next: boolean, towards = forward): string => {
    const c: HistoryCursor = { channelId, seq: row.seq, forward: towards, next };
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

  // As stock: each message names its channel as the request did (an id in upper case stays so);
  // its group or user ids are the canonical ones.
  const out: ChannelMessageListInit = {
    messages: rows.map((row) => ({ ...messageToWire(row), channelId: req.channelId })),
  };
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first !== undefined && last !== undefined) {
    // As stock: a page listed from a cursor always has a cursor back the way it came, even when
    // nothing is left there (messages removed since); one onwards only when there is more.
    if (!reversed) {
      if (more) out.nextCursor = mark(last, true);
      if (cursor !== undefined) out.prevCursor = mark(first, false);
    } else {
      if (more) out.prevCursor = mark(first, false);
      out.nextCursor = mark(last, true);
    }
    // The newest message of the page. As on stock, it is a forward cursor whichever way the page
    // was listed: listing forward from it yields only newer messages.
    const newest = forward ? last : first;
    out.cacheableCursor = mark(newest, true, true);
  } else if (cursor !== undefined && req.cursor) {
    // As stock: an empty page keeps the cursor it was listed from, turned forward.
    out.cacheableCursor = forward ? req.cursor : encodeCursor({ ...cursor, forward: true, next: true });
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
