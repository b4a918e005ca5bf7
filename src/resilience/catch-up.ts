import type { Client } from "../client.js";
import type { ChannelMessage } from "../gen/model.js";
import type { Session } from "../session.js";

const PAGE_SIZE = 100;

/** Where history reading stopped: a cacheable cursor of a backward listing, or undefined (the start). */
export type HistoryMark = string | undefined;

/** The newest position of a channel's history, to read what comes after it later. */
export async function newestMark(client: Client, session: Session, channelId: string): Promise<HistoryMark> {
  // An empty channel has no cursor ("" or absent, depending on the server).
  return (
    (await client.listChannelMessages(session, channelId, { forward: false, limit: 1 })).cacheableCursor ||
    undefined
  );
}

/**
 * Every message after `mark`, oldest first, and the mark after the newest of them. A backward
 * listing from a cacheable cursor returns the oldest page of newer messages (newest first), and
 * its own cacheable cursor moves past that page, so paging on it walks forward without gaps.
 */
export async function readSince(
  client: Client,
  session: Session,
  channelId: string,
  mark: HistoryMark,
): Promise<{ messages: ChannelMessage[]; mark: HistoryMark }> {
  const messages: ChannelMessage[] = [];
  if (!mark) {
    for await (const m of client.channelMessages(session, channelId, { forward: true, limit: PAGE_SIZE })) {
      messages.push(m);
    }
    // Messages written after the last page arrive live (the channel is joined by now).
    return { messages, mark: await newestMark(client, session, channelId) };
  }
  for (;;) {
    const page = await client.listChannelMessages(session, channelId, {
      forward: false,
      cursor: mark,
      limit: PAGE_SIZE,
    });
    messages.push(...[...page.messages].reverse());
    const next = page.cacheableCursor;
    // A short page is the last; a cursor that does not move would loop.
    if (page.messages.length < PAGE_SIZE || !next || next === mark) return { messages, mark: next || mark };
    mark = next;
  }
}
