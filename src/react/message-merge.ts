import type { ChannelMessage } from "../gen/model.js";

/** What was pushed to a channel while a read of its history was on its way. */
export interface StretchChanges<T> {
  /** Ids of new messages pushed (live or caught up). */
  readonly arrived: ReadonlySet<string>;
  /** Ids of messages removed. */
  readonly removed: ReadonlySet<string>;
  /** Edits pushed, by message id. */
  readonly edited: ReadonlyMap<string, T>;
}

/**
 * Merges a stretch of history into the messages shown, in the server's order, which is not
 * creation time: messages created in the same millisecond tie there, and the server orders them
 * by when it stored them, as its history listings and its pushes do. So the order comes from the
 * two lists themselves, both in that order; times only place what they cannot.
 *
 * `stretch` is the newest messages of the channel when it was read (oldest first), as one listing
 * or consecutive pages give them: every message stored before the read and newer than its oldest
 * is in it. `shown` is what the list holds now; `changes` what was pushed since the read was sent.
 *
 * - A message in both takes its place from the stretch (the server's order wins), in its newest
 *   version: the one read, the one shown, or an edit pushed since (by update time; on a tie the
 *   pushed one, then the shown one).
 * - A shown message after the last one in both is newer than it, and so was stored after the read
 *   (or not at all): it goes after the whole stretch. One before it keeps its place among its
 *   neighbours (older than the stretch, or removed while this client was away).
 * - With no message in both, those shown before the read was sent are older than the stretch; one
 *   pushed since goes after the stretch unless created before it began (a push that came late).
 * - A message of the stretch in `changes.removed` is left out: it was removed after the read.
 */
export function mergeStretch<T extends ChannelMessage<object>>(
  shown: readonly T[],
  stretch: readonly T[],
  changes: StretchChanges<T>,
): T[] {
  const { arrived, removed, edited } = changes;
  const at = new Map(stretch.map((m, i) => [m.messageId, i]));
  const current = new Map<string, T>();
  for (const m of shown) if (at.has(m.messageId)) current.set(m.messageId, m);
  // Shown messages from `tail` on are newer than the whole stretch.
  let tail = shown.length;
  while (tail > 0 && !at.has((shown[tail - 1] as T).messageId)) tail--;
  if (tail === 0 && stretch.length > 0) {
    const begins = timeOf(stretch[0] as T);
    const late = shown.findIndex((m) => arrived.has(m.messageId) && timeOf(m) >= begins);
    tail = late < 0 ? shown.length : late;
  }
  const out: T[] = [];
  const emitted = new Set<string>();
  let next = 0;
  const emitTo = (end: number) => {
    for (; next < end; next++) {
      const read = stretch[next] as T;
      const id = read.messageId;
      if (emitted.has(id) || removed.has(id)) continue;
      emitted.add(id);
      out.push(newest(newest(read, current.get(id)), edited.get(id)));
    }
  };
  shown.forEach((m, i) => {
    if (i === tail) emitTo(stretch.length);
    const k = at.get(m.messageId);
    if (k !== undefined) emitTo(k + 1);
    else if (!emitted.has(m.messageId)) {
      emitted.add(m.messageId);
      out.push(m);
    }
  });
  emitTo(stretch.length);
  return out;
}

/** Puts an older page (oldest first) before the messages shown, leaving out those shown or removed. */
export function prependPage<T extends ChannelMessage<object>>(
  shown: readonly T[],
  page: readonly T[],
  removed: ReadonlySet<string>,
): T[] {
  const ids = new Set(shown.map((m) => m.messageId));
  const fresh = page.filter((m) => !ids.has(m.messageId) && !removed.has(m.messageId));
  return fresh.length === 0 ? [...shown] : [...fresh, ...shown];
}

/**
 * Checks the messages shown against a fresh listing of the channel's newest history, read after
 * the connection came back: an edit or a removal made while it was away is never pushed, and
 * catch-up (which reads forward from its mark) cannot see one of a message older than the mark.
 *
 * `listed` is what the read gave, newest first; `complete` says it reached the channel's first
 * message. A shown message is *verified* when the listing covers its time: the listing is
 * complete, or the message is newer than the oldest listed (one of the same time may sit on the
 * next page). Then:
 *
 * - a shown message also listed is replaced by the listed version when that is newer (a later
 *   update time, or the same with other content: an edit made while away); otherwise the shown
 *   object is kept, so React sees no change;
 * - a verified message not listed was removed: it is left out;
 * - everything else stays, in its place: messages not verified, ones sent without persistence
 *   (never in history), and ones pushed (new, edited or removed) while the read was on its way,
 *   which are newer than what it read.
 *
 * Nothing is added: filling in missed messages is the other reads' work. Returns `shown` itself
 * when nothing changed.
 */
export function reconcileShown<T extends ChannelMessage<object>>(
  shown: readonly T[],
  listed: readonly T[],
  complete: boolean,
  changes: StretchChanges<T>,
): readonly T[] {
  const { arrived, removed, edited } = changes;
  const byId = new Map(listed.map((m) => [m.messageId, m]));
  const floor = complete ? Number.NEGATIVE_INFINITY : Math.min(...listed.map(timeOf));
  let changed = false;
  const out: T[] = [];
  for (const m of shown) {
    const id = m.messageId;
    const read = byId.get(id);
    const pushed = arrived.has(id) || removed.has(id) || edited.has(id);
    if (pushed || m.persistent === false) out.push(m);
    else if (read) {
      // Never back to an older version (a listing that lags behind what was pushed).
      const differs =
        updated(read) > updated(m) ||
        (updated(read) === updated(m) && JSON.stringify(read.content) !== JSON.stringify(m.content));
      if (differs) changed = true;
      out.push(differs ? read : m);
    } else if (timeOf(m) > floor) changed = true;
    else out.push(m);
  }
  return changed ? out : shown;
}

// The later version of a message; `b` when they tie.
function newest<T extends ChannelMessage<object>>(a: T, b: T | undefined): T {
  return b && updated(b) >= updated(a) ? b : a;
}

function updated(m: ChannelMessage<object>): number {
  return m.updateTime?.getTime() ?? timeOf(m);
}

function timeOf(m: ChannelMessage<object>): number {
  return m.createTime?.getTime() ?? 0;
}
