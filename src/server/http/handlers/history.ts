import type { ChannelMessageListInit, ListChannelMessagesRequest } from "../../../gen/wire.js";
import { ChannelType } from "../../../gen/wire.js";
import { parseChannelId } from "../../channel-id.js";
import type { Caller, ServerContext } from "../../context.js";
import { decodeCursor, encodeCursor, type HistoryCursor } from "../../history-cursor.js";
import { refuse } from "../../refusal.js";
import { MemberState } from "../../storage/groups.js";
import { type MessageRow, messageToWire } from "../../storage/messages.js";
import type { Handlers } from "../router.js";

/** Refuses a caller who may not read the channel: non-members of a group, strangers to a direct chat. */
function checkAccess(ctx: ServerContext, channelId: string, caller: Caller): string {
  const target = parseChannelId(channelId);
  if (target.type === ChannelType.Group) {
    const state = ctx.groups.stateOf(target.groupId, caller.userId);
    if (state === undefined || state > MemberState.Member) refuse("Group not found.", 7);
  } else if (target.type === ChannelType.DirectMessage) {
    if (caller.userId !== target.userIdOne && caller.userId !== target.userIdTwo)
      refuse("Channel not found.", 7);
  }
  return target.id;
}

/**
 * One page of a channel's history. Pages follow the storage sequence, so they neither skip nor
 * repeat messages. `next` cursors continue in the listing's direction; `prev` cursors go back.
 */
export function listHistory(
  ctx: ServerContext,
  req: ListChannelMessagesRequest,
  caller: Caller,
): ChannelMessageListInit {
  const channelId = checkAccess(ctx, req.channelId, caller);
  const limit = req.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    refuse("Invalid limit - limit must be between 1 and 100.");
  const forward = req.forward ?? false;
  const cursor = req.cursor ? decodeCursor(req.cursor) : undefined;
  if (cursor !== undefined) {
    if (cursor.channelId !== channelId) refuse("Cursor does not belong to this channel.");
    if (cursor.forward !== forward) refuse("Cursor direction does not match the forward parameter.");
  }
  const m = ctx.messages;
  const stock326 = ctx.historyCursors === "3.26";
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
    rows = ascending ? m.fromTime(channelId, time, limit + 1) : m.beforeTime(channelId, time, limit + 1);
  } else {
    const from = cursor?.seq ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    rows = ascending ? m.after(channelId, from, limit + 1) : m.before(channelId, from, limit + 1);
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
      const hasBefore = forward ? m.existsBefore(channelId, first.seq) : m.existsAfter(channelId, first.seq);
      if (cursor !== undefined && hasBefore) out.prevCursor = mark(first, false);
    } else {
      if (more) out.prevCursor = mark(first, false);
      const hasAfter = forward ? m.existsAfter(channelId, last.seq) : m.existsBefore(channelId, last.seq);
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

/** The history route. */
export function historyHandlers(ctx: ServerContext): Handlers {
  return { listChannelMessages: (req, caller) => listHistory(ctx, req, caller) };
}
