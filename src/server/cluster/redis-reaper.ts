import type { ClusterMessage, NodeDown, Room } from "./cluster-adapter.js";
import type { Command } from "./redis-connection.js";
import { groupVisible, type Owned, parseOwnKey, parsePresence, type RedisKeys } from "./redis-keys.js";

/** What the reaper needs of the adapter running it. */
export interface ReaperHost {
  readonly nodeId: string;
  readonly keys: RedisKeys;
  readonly leaseMs: number;
  /** Runs commands together; rejects with `disconnected` if any failed. */
  run(commands: Command[]): Promise<unknown[]>;
  /** Publishes a message as if sent by node `origin`. */
  publishAs(origin: string, room: Room, message: ClusterMessage): void;
  /** Reports a node cleaned up by this one. */
  nodeDown(info: NodeDown): void;
  /**
   * What must be written before anyone sees the dead node's sessions leave (their `last_active`):
   * awaited (at most `leaseMs`) before the leaves go out.
   */
  settle(info: NodeDown): Promise<void>;
  /** Reports a clean-up that failed (it runs apart from the heartbeat). */
  reportError(err: unknown): void;
}

/** The dead nodes each host is cleaning up right now, so that a later heartbeat leaves them be. */
const underway = new WeakMap<ReaperHost, Set<string>>();

/**
 * Cleans up the nodes whose lease has expired. The first survivor to claim a dead node (`SET … NX`,
 * expiring in case that survivor dies too) removes its presences from every stream, lets the
 * host store what the leaves' readers need ({@link ReaperHost.settle}), publishes the leaves, and
 * reports it.
 *
 * The claim holds the claimer's node id, and is read back with it: a claim that reads as taken but
 * holds this node's id is this node's. That is the case when the connection broke after Redis took
 * the `SET` but before its reply came back (the client sends it again, and the second one finds
 * the key set), and when this node's earlier clean-up of the node failed; either way it goes on
 * now rather than once the claim expires.
 */
export async function reapDeadNodes(host: ReaperHost): Promise<void> {
  const { keys } = host;
  const [members] = (await host.run([["smembers", keys.nodes]])) as [string[]];
  const reaping = underway.get(host) ?? new Set<string>();
  underway.set(host, reaping);
  const nodes = members.filter((n) => n !== host.nodeId && !reaping.has(n));
  if (nodes.length === 0) return;
  const leases = await host.run(nodes.map((node) => ["exists", keys.node(node, "lease")]));
  for (const [i, node] of nodes.entries()) {
    if (leases[i] !== 0 || reaping.has(node)) continue;
    const claimKey = keys.node(node, "reaper");
    const [claim, holder] = await host.run([
      ["set", claimKey, host.nodeId, "PX", host.leaseMs * 3, "NX"],
      ["get", claimKey],
    ]);
    if (claim !== "OK" && holder !== host.nodeId) continue;
    // Not awaited: the clean-up waits for the users' last_active, which must not hold up this
    // node's heartbeat, and so its own lease. The claim keeps other survivors off meanwhile.
    reaping.add(node);
    reap(host, node)
      .catch((err: unknown) => host.reportError(err))
      .finally(() => reaping.delete(node));
  }
}

async function reap(host: ReaperHost, node: string): Promise<void> {
  const { keys } = host;
  const [entries] = (await host.run([["smembers", keys.node(node, "p")]])) as [string[]];
  const removed: Owned[] = [];
  if (entries.length > 0) {
    const owned = entries.map(parseOwnKey);
    const results = await host.run(
      owned.flatMap(({ stream, sessionId }): Command[] => [
        ["hget", keys.presence(stream), sessionId],
        ["hdel", keys.presence(stream), sessionId],
      ]),
    );
    for (const [i, { stream }] of owned.entries()) {
      const presence = parsePresence(results[2 * i] as string | null);
      // Only what this reaper actually removed (the node may have re-announced meanwhile).
      if (presence !== undefined && results[2 * i + 1] === 1 && presence.node === node) {
        removed.push({ stream, presence });
      }
    }
  }
  const info: NodeDown = { nodeId: node, presences: removed };
  // A follower told of a leave reads the user's last_active: it is written first.
  await settled(host, info);
  // Published as if from the dead node, so this node receives its own leaves like every other.
  // Before the node is marked reaped: one that was only paused then announces its joins after.
  for (const [stream, leaves] of groupVisible(removed)) {
    host.publishAs(node, stream, { kind: "presence", stream, joins: [], leaves });
  }
  await host.run([
    ["del", keys.node(node, "p")],
    ["srem", keys.nodes, node],
    ["set", keys.node(node, "reaped"), "1", "PX", 3_600_000],
  ]);
  host.nodeDown(info);
}

/** Resolves once `settle` has, failed, or taken `leaseMs` (the leaves go out anyway). */
function settled(host: ReaperHost, info: NodeDown): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, host.leaseMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    let settling: Promise<void>;
    try {
      settling = host.settle(info);
    } catch {
      settling = Promise.resolve();
    }
    settling.then(done, done);
  });
}
