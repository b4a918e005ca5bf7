import { randomUUID } from "node:crypto";
import type { ClusterEvents, Room } from "./cluster-adapter.js";
import { ClusterEmitter } from "./cluster-emitter.js";

/**
 * What every cluster adapter shares: its node id, its listeners, and the count of local members
 * per room (a room is subscribed while at least one local member wants it).
 */
export abstract class AdapterBase {
  readonly nodeId: string;
  protected readonly emitter = new ClusterEmitter();
  protected readonly interest = new Map<Room, number>();

  constructor(nodeId: string | undefined) {
    this.nodeId = nodeId ?? randomUUID();
  }

  on<E extends keyof ClusterEvents>(event: E, listener: ClusterEvents[E]): () => void {
    return this.emitter.on(event, listener);
  }

  /** Counts one more local member of `room`. */
  protected addInterest(room: Room): void {
    this.interest.set(room, (this.interest.get(room) ?? 0) + 1);
  }

  /** Counts one local member less; true when it was the last one. */
  protected dropInterest(room: Room): boolean {
    const n = (this.interest.get(room) ?? 0) - 1;
    if (n > 0) {
      this.interest.set(room, n);
      return false;
    }
    this.interest.delete(room);
    return true;
  }
}
