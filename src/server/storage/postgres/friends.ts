import type { Pool } from "pg";
import type { AsyncFriendStore, EdgeRow } from "../async-storage.js";
import { type EdgePlace, firstSeqOfState } from "../friends.js";
import { query } from "./connection.js";

/** Friend edges on PostgreSQL; list order comes from one sequence shared by all nodes. */
export class PostgresFriendStore implements AsyncFriendStore {
  constructor(private readonly pool: Pool) {}

  async edge(sourceId: string, destId: string): Promise<EdgeRow | undefined> {
    const rows = await query<EdgeRow>(
      this.pool,
      "SELECT * FROM friend_edges WHERE source_id = $1 AND dest_id = $2",
      [sourceId, destId],
    );
    return rows[0];
  }

  /** Makes an edge, placed after the source's others, or changes its state, keeping its place. */
  async set(sourceId: string, destId: string, state: number): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO friend_edges (source_id, dest_id, state, seq, update_time)
       VALUES ($1, $2, $3, nextval('friend_edges_seq'), $4)
       ON CONFLICT (source_id, dest_id) DO UPDATE SET state = excluded.state,
         update_time = excluded.update_time`,
      [sourceId, destId, state, Date.now()],
    );
  }

  async remove(sourceId: string, destId: string): Promise<void> {
    await query(this.pool, "DELETE FROM friend_edges WHERE source_id = $1 AND dest_id = $2", [
      sourceId,
      destId,
    ]);
  }

  /** As the SQLite store lists: by state then `seq` from `from` on, served by (source_id, state, seq). */
  async list(
    sourceId: string,
    state: number | undefined,
    from: EdgePlace,
    limit: number,
  ): Promise<EdgeRow[]> {
    if (state === undefined) {
      return query<EdgeRow>(
        this.pool,
        `SELECT * FROM friend_edges WHERE source_id = $1 AND (state, seq) >= ($2, $3)
         ORDER BY state, seq LIMIT $4`,
        [sourceId, from.state, from.seq, limit],
      );
    }
    const seq = firstSeqOfState(state, from);
    if (seq === undefined) return [];
    return query<EdgeRow>(
      this.pool,
      "SELECT * FROM friend_edges WHERE source_id = $1 AND state = $2 AND seq >= $3 ORDER BY seq LIMIT $4",
      [sourceId, state, seq, limit],
    );
  }

  async edgeCount(userId: string): Promise<number> {
    const rows = await query<{ n: number }>(
      this.pool,
      "SELECT count(*) AS n FROM friend_edges WHERE source_id = $1",
      [userId],
    );
    return rows[0]?.n ?? 0;
  }
}
