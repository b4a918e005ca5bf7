import type { ClusterEvents } from "./cluster-adapter.js";

/** Typed listeners of a cluster adapter; a throwing listener never stops the others. */
export class ClusterEmitter {
  private readonly listeners: { [E in keyof ClusterEvents]?: Set<ClusterEvents[E]> } = {};

  on<E extends keyof ClusterEvents>(event: E, listener: ClusterEvents[E]): () => void {
    let set = this.listeners[event] as Set<ClusterEvents[E]> | undefined;
    if (set === undefined) {
      set = new Set();
      (this.listeners as Record<string, unknown>)[event] = set;
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends keyof ClusterEvents>(event: E, ...args: Parameters<ClusterEvents[E]>): void {
    const set = this.listeners[event] as Set<(...a: Parameters<ClusterEvents[E]>) => void> | undefined;
    if (set === undefined) return;
    for (const fn of set) {
      try {
        fn(...args);
      } catch (err) {
        if (event !== "error") this.emit("error", err);
      }
    }
  }
}
