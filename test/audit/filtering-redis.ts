// A node's Redis connections, wrapped so that a test can hold or drop the publishes it receives
// that carry a given text: another node's publish arriving late, or never (a node killed between
// its commit and its publish, a publish Redis lost).

import { openRedis, type RedisConnection } from "../../src/server/cluster/redis-connection.js";

type Listener = (channel: Buffer, data: Buffer) => void;

/** What happens to a received publish that carries the text. */
export type FilterMode = "hold" | "drop";

/** Wraps the connections a node opens (pass `createClient` in its `redis` options). */
export function filteringRedis(url: string) {
  const rules = new Map<string, FilterMode>();
  const held: { text: string; data: Buffer; pass: () => void }[] = [];
  /** Every publish received, as passed on (its bytes), for tests that wait for one. */
  const passed: Buffer[] = [];
  const dropped: string[] = [];
  const connections: RedisConnection[] = [];
  return {
    /** The connections opened, in order (a node opens its command connection, then its subscriber). */
    connections,
    held,
    passed,
    dropped,
    /** Holds (or drops) from now on each received publish that carries `text` (`""`: every one). */
    filter(text: string, mode: FilterMode): void {
      rules.set(text, mode);
    },
    /** Lets the held publishes carrying `text` through, in the order they came, and stops holding it. */
    release(text: string): void {
      rules.delete(text);
      for (const h of held.filter((x) => x.text === text)) {
        held.splice(held.indexOf(h), 1);
        h.pass();
      }
    },
    /** True once a publish carrying `text` was passed on to the node. */
    sawPassed(text: string): boolean {
      return passed.some((data) => data.includes(text));
    },
    async createClient(): Promise<RedisConnection> {
      const conn = await openRedis(url);
      connections.push(conn);
      const on = conn.on.bind(conn) as (event: string, listener: (...args: never[]) => void) => unknown;
      // The adapter hears publishes through this event: each is passed on, held or dropped.
      (conn as { on: unknown }).on = (event: string, listener: (...args: never[]) => void) =>
        on(
          event,
          event !== "messageBuffer"
            ? listener
            : (channel: Buffer, data: Buffer) => {
                const pass = () => {
                  passed.push(data);
                  (listener as Listener)(channel, data);
                };
                const rule = [...rules].find(([text]) => data.includes(text));
                if (rule === undefined) pass();
                else if (rule[1] === "hold") held.push({ text: rule[0], data, pass });
                else dropped.push(rule[0]);
              },
        );
      return conn;
    },
  };
}
