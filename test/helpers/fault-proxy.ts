// herald's fault tests break the network with the test kit's proxy, so that both are one code.
// The one difference kept here: these tests model a long outage, so `restore()` cuts the
// connections a blackhole held instead of letting their bytes through.
import { startFaultProxy as startKitProxy } from "../../src/testing/fault-proxy.js";

/** A proxy on an ephemeral port forwarding to `127.0.0.1:target`. */
export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Drops every open connection at once (clients see 1006); new ones are accepted. */
  cut(): void;
  /** Cuts every connection and refuses new ones until {@link FaultProxy.restore}. */
  down(): void;
  /** Open and new connections stay up but carry nothing either way, until restored. */
  blackhole(): void;
  /** Back to normal: new connections are forwarded (blackholed ones stay dead and are cut). */
  restore(): void;
  close(): Promise<void>;
}

/** Starts the kit's fault proxy in front of `127.0.0.1:target`. */
export async function startFaultProxy(target: number): Promise<FaultProxy> {
  const proxy = await startKitProxy(target);
  return {
    port: proxy.port,
    get accepted() {
      return proxy.accepted;
    },
    cut: () => proxy.cut(),
    down: () => proxy.down(),
    blackhole: () => proxy.blackhole(),
    restore: () => proxy.restore({ cutHeld: true }),
    close: () => proxy.close(),
  };
}
