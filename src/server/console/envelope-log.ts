import type { Envelope, EnvelopeInit } from "../../gen/wire.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import type { ObservedOutgoing, ObservedSession } from "./console-tap.js";
import type { InspectorEntry, InspectorUser } from "./inspector-entry.js";

/** Recipients remembered per entry; a broadcast to more is counted, not listed. */
const MAX_LISTED_SESSIONS = 20;
/** Longest wire text kept per entry. */
const MAX_WIRE_CHARS = 4000;

interface Recorded {
  seq: number;
  at: number;
  direction: "in" | "out";
  envelope: Envelope | EnvelopeInit;
  /** The shared outgoing object, to fold a broadcast's per-member writes into one entry. */
  out: ObservedOutgoing | undefined;
  sessions: ObservedSession[];
  sessionCount: number;
  /** Rendered on first read, then kept. */
  rendered: InspectorEntry | undefined;
}

/**
 * The message inspector's ring buffer. Recording only stores references (it runs on every
 * delivery); encoding to JSON text happens when a viewer reads, at most once per entry.
 */
export class EnvelopeLog {
  private readonly ring: (Recorded | undefined)[];
  private next = 0;
  private seq = 0;
  private last: Recorded | undefined;

  constructor(readonly capacity: number) {
    this.ring = new Array(Math.max(1, capacity));
  }

  /** The sequence number of the newest entry (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Records a request received from a session. */
  received(session: ObservedSession, envelope: Envelope): void {
    this.push("in", envelope, undefined, session);
  }

  /**
   * Records a write to a session. Returns true when it starts a new entry, false when it joined
   * the broadcast recorded just before.
   */
  sent(session: ObservedSession, out: ObservedOutgoing): boolean {
    const last = this.last;
    if (last !== undefined && last.out === out) {
      last.sessionCount += 1;
      if (last.sessions.length < MAX_LISTED_SESSIONS) last.sessions.push(session);
      last.rendered = undefined;
      return false;
    }
    this.push("out", out.envelope, out, session);
    return true;
  }

  private push(
    direction: "in" | "out",
    envelope: Envelope | EnvelopeInit,
    out: ObservedOutgoing | undefined,
    session: ObservedSession,
  ): void {
    this.seq += 1;
    const rec: Recorded = {
      seq: this.seq,
      at: Date.now(),
      direction,
      envelope,
      out,
      sessions: [session],
      sessionCount: 1,
      rendered: undefined,
    };
    this.ring[this.next] = rec;
    this.next = (this.next + 1) % this.ring.length;
    this.last = rec;
  }

  /**
   * Entries newer than `afterSeq`, oldest first; at most the newest `limit` of them (a viewer that
   * falls behind a burst skips to the latest rather than being sent the whole ring).
   */
  since(afterSeq = 0, limit = Number.POSITIVE_INFINITY): InspectorEntry[] {
    const out: InspectorEntry[] = [];
    const n = this.ring.length;
    // Newest first, so the limit keeps the newest; reversed at the end.
    for (let i = n - 1; i >= 0 && out.length < limit; i--) {
      const rec = this.ring[(this.next + i) % n];
      if (rec === undefined || rec.seq <= afterSeq) break;
      rec.rendered ??= render(rec);
      out.push(rec.rendered);
    }
    return out.reverse();
  }
}

function render(rec: Recorded): InspectorEntry {
  const users: InspectorUser[] = [];
  const seen = new Set<string>();
  for (const s of rec.sessions) {
    if (seen.has(s.userId)) continue;
    seen.add(s.userId);
    users.push({ userId: s.userId, username: s.username });
  }
  const env = rec.envelope;
  const body = env.body as Record<string, unknown>;
  const entry: InspectorEntry = {
    seq: rec.seq,
    time: new Date(rec.at).toISOString(),
    direction: rec.direction,
    kind: env.kind,
    users,
    sessionCount: rec.sessionCount,
    wire: wireText(env, rec.out),
  };
  if (env.cid !== undefined && env.cid !== "") entry.cid = env.cid;
  const channelId =
    typeof body.channelId === "string" ? body.channelId : env.kind === "channel" ? body.id : "";
  if (typeof channelId === "string" && channelId !== "") entry.channelId = channelId;
  if (env.kind === "channelJoin" && typeof body.target === "string") entry.target = body.target;
  return entry;
}

function wireText(envelope: Envelope | EnvelopeInit, out: ObservedOutgoing | undefined): string {
  let text: string;
  try {
    // A broadcast's JSON text is already made (and kept) for its JSON members: reuse it.
    const encoded = out?.bytes ? out.bytes(jsonCodec) : jsonCodec.encodeEnvelope(envelope as EnvelopeInit);
    text = typeof encoded === "string" ? encoded : new TextDecoder().decode(encoded);
  } catch (err) {
    text = `(not encodable: ${err instanceof Error ? err.message : String(err)})`;
  }
  return text.length > MAX_WIRE_CHARS ? `${text.slice(0, MAX_WIRE_CHARS)}…` : text;
}
