import type { ChannelMessage } from "../gen/model.js";

const MARKS = 10;

/** A joined channel as catch-up follows it. */
export interface Track {
  persistent: boolean;
  /**
   * The ids of the last `MARKS` new stored messages delivered (before any, the newest at join) and
   * the newest one's time: catch-up reads back to the newest of them still in history, else to the
   * first message older than that time. Not to the newest alone: were it removed meanwhile, those
   * stored in its millisecond before it (not older) would come again.
   */
  marks: string[];
  /** In milliseconds (0: unknown). */
  markTime: number;
  /**
   * The latest time marked, and the ids of every message marked at that time: with every mark
   * removed, they tell which messages stored then came already (the server stores no message
   * older than the one before it, so those delivered before them are older). At most a thousand:
   * a server whose clock was set back stores every message at one time until it catches up, and
   * one not kept is delivered again rather than held for that long.
   */
  top: number;
  topIds: Set<string>;
  /** Live messages held back while missed ones are read. */
  buffer: ChannelMessage[] | undefined;
  /** Ids the last catch-up delivered from history, whose live copy may still be on its way. */
  recent: Set<string>;
}

/** When a message was stored, in milliseconds (0: unknown). */
export const timeOf = (m: ChannelMessage): number => m.createTime?.getTime() ?? 0;

/** Records a stored message (delivered, or the newest at join) as one to read back to. */
export function mark(track: Track, id: string, time: Date | undefined): void {
  if (track.marks.push(id) > MARKS) track.marks.shift();
  const at = time?.getTime() ?? 0;
  track.markTime = at;
  if (at > track.top) {
    track.top = at;
    track.topIds.clear();
  }
  if (at === track.top && track.topIds.size < 1e3) track.topIds.add(id);
}

/** A channel followed from its join, marked at `markId` (the newest message then) if known. */
export function newTrack(persistent: boolean, markId: string | undefined, markTime: Date | undefined): Track {
  const track: Track = {
    persistent,
    marks: [],
    markTime: 0,
    top: 0,
    topIds: new Set(),
    buffer: undefined,
    recent: new Set(),
  };
  if (markId) mark(track, markId, markTime);
  return track;
}

/**
 * Of the messages read back (oldest first), those not delivered yet, and whether some could not be
 * told: after a read that stopped at a mark (`marked`), all but those marked at the latest time.
 * With every mark removed meanwhile, those stored at that time are told by its ids; one stored
 * before it (delivered out of time order) may have come already, and is left out.
 */
export function notDelivered(
  track: Track,
  read: ChannelMessage[],
  marked: boolean,
): [missed: ChannelMessage[], unsure: boolean] {
  const untold = read.filter((m) => !track.topIds.has(m.messageId));
  const missed = marked ? untold : untold.filter((m) => timeOf(m) >= track.top);
  return [missed, missed.length < untold.length];
}
