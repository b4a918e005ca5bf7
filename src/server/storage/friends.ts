import type { Db } from "./database.js";

/** A friend edge as its source user sees it. States are the wire's FriendState values. */
export interface EdgeRow {
  source_id: string;
  dest_id: string;
  state: number;
  seq: number;
  update_time: number;
}

/** A place in a user's friend listing: an edge's state and `seq`, or where one would stand. */
export interface EdgePlace {
  state: number;
  seq: number;
}

/**
 * The lowest `seq` a listing of the edges in `state` reads from when it starts at `from`, or
 * undefined when `from` lies past them all: a listing of one state takes a seek on (state, seq)
 * rather than a scan of every earlier edge of that state.
 */
export function firstSeqOfState(state: number, from: EdgePlace): number | undefined {
  if (from.state > state) return undefined;
  return from.state < state ? 0 : from.seq;
}

/** Friend edges: one row per direction, so each user has their own view (friend, invite, blocked). */
export class FriendStore {
  private seq: number;

  constructor(private readonly db: Db) {
    this.seq = (db.prepare("SELECT MAX(seq) FROM friend_edges").pluck().get() as number | null) ?? 0;
  }

  edge(sourceId: string, destId: string): EdgeRow | undefined {
    return this.db
      .prepare<[string, string], EdgeRow>("SELECT * FROM friend_edges WHERE source_id = ? AND dest_id = ?")
      .get(sourceId, destId);
  }

  /**
   * Makes an edge, placed after the source's others, or changes its state, keeping its place (as
   * stock keeps an edge's position when an invite is accepted or the edge becomes a block).
   */
  set(sourceId: string, destId: string, state: number): void {
    this.db
      .prepare(
        `INSERT INTO friend_edges (source_id, dest_id, state, seq, update_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (source_id, dest_id) DO UPDATE SET state = excluded.state,
           update_time = excluded.update_time`,
      )
      .run(sourceId, destId, state, ++this.seq, Date.now());
  }

  remove(sourceId: string, destId: string): void {
    this.db.prepare("DELETE FROM friend_edges WHERE source_id = ? AND dest_id = ?").run(sourceId, destId);
  }

  /**
   * A user's edges in listing order (by state, then by when each was made) from the place `from` on,
   * at most `limit`, optionally of one state. Served by the index on (source_id, state, seq).
   */
  list(sourceId: string, state: number | undefined, from: EdgePlace, limit: number): EdgeRow[] {
    if (state === undefined) {
      return this.db
        .prepare<[string, number, number, number], EdgeRow>(
          `SELECT * FROM friend_edges WHERE source_id = ? AND (state, seq) >= (?, ?)
           ORDER BY state, seq LIMIT ?`,
        )
        .all(sourceId, from.state, from.seq, limit);
    }
    const seq = firstSeqOfState(state, from);
    if (seq === undefined) return [];
    return this.db
      .prepare<[string, number, number, number], EdgeRow>(
        "SELECT * FROM friend_edges WHERE source_id = ? AND state = ? AND seq >= ? ORDER BY seq LIMIT ?",
      )
      .all(sourceId, state, seq, limit);
  }

  /** Number of a user's edges of any state (friends, invites, blocks): its `edge_count`. */
  edgeCount(userId: string): number {
    return this.db
      .prepare<[string], number>("SELECT COUNT(*) FROM friend_edges WHERE source_id = ?")
      .pluck()
      .get(userId) as number;
  }
}
