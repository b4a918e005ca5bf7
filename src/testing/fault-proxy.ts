// Node only: a TCP proxy on a loopback port (node:net).
import { once } from "node:events";
import { connect, createServer, type Server, type Socket as TcpSocket } from "node:net";
import { checkFields } from "../arguments.js";
import { HeraldError } from "../errors.js";
import { checkListenOptions } from "./kit-arguments.js";

/** Where a fault proxy forwards to: a port on 127.0.0.1, a `{ host, port }`, or a URL such as a test server's. */
export type ProxyTarget = number | { host?: string | undefined; port: number } | string;

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** @default "127.0.0.1" */
  host?: string | undefined;
  /** @default 0 (a free port) */
  port?: number | undefined;
}

interface Link {
  client: TcpSocket;
  upstream: TcpSocket | undefined;
  piped: boolean;
}

/**
 * A loopback TCP proxy in front of a server, for fault tests: clients connect to the proxy (its
 * `port`), and the test cuts every connection, blackholes them (data stops in both directions,
 * nothing is closed, as when a network drops packets), refuses new ones, or restores traffic.
 * Start one with {@link startFaultProxy}.
 */
export class FaultProxy {
  /** Host the proxy listens on. */
  readonly host: string;
  /** The proxy's port: point clients here instead of at the server. */
  readonly port: number;
  /** `http://host:port` of the proxy. */
  readonly url: string;
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #links = new Set<Link>();
  #mode: "open" | "blackhole" | "refuse" = "open";
  #accepted = 0;
  #cuts = 0;
  #closing: Promise<void> | undefined;

  /** Use {@link startFaultProxy}. */
  constructor(server: Server, target: { host: string; port: number }, host: string) {
    this.#server = server;
    this.#target = target;
    this.host = host;
    this.port = (server.address() as { port: number }).port;
    this.url = `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
    server.on("connection", (client) => this.#accept(client));
  }

  /** The state of the proxy: passing traffic, blackholing it, or refusing new connections. */
  get mode(): "open" | "blackhole" | "refuse" {
    return this.#mode;
  }

  /** Connections open through the proxy now. */
  get connectionCount(): number {
    return this.#links.size;
  }

  /** Connections accepted since the proxy started (refused ones excluded). */
  get acceptedCount(): number {
    return this.#accepted;
  }

  /** Same as {@link FaultProxy.acceptedCount}. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections cut so far (by `cut`, `refuse` or `close`). */
  get cutCount(): number {
    return this.#cuts;
  }

  #accept(client: TcpSocket): void {
    if (this.#mode === "refuse" || this.#closing) {
      client.resetAndDestroy();
      return;
    }
    this.#accepted++;
    const link: Link = { client, upstream: undefined, piped: false };
    this.#links.add(link);
    client.pause();
    const drop = () => this.#drop(link);
    client.on("error", drop);
    client.on("close", drop);
    // A blackholed proxy holds new connections too: the client's handshake goes unanswered.
    if (this.#mode === "open") this.#connectUpstream(link);
  }

  #connectUpstream(link: Link): void {
    const upstream = connect(this.#target.port, this.#target.host);
    link.upstream = upstream;
    upstream.pause();
    upstream.on("error", () => this.#drop(link));
    upstream.on("close", () => this.#drop(link));
    upstream.once("connect", () => {
      if (this.#mode === "open") this.#pipe(link);
    });
  }

  #pipe(link: Link): void {
    if (link.piped || !link.upstream || link.upstream.connecting) return;
    link.piped = true;
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
  }

  #unpipe(link: Link): void {
    if (!link.piped || !link.upstream) return;
    link.piped = false;
    link.client.unpipe(link.upstream);
    link.upstream.unpipe(link.client);
    link.client.pause();
    link.upstream.pause();
  }

  // One end gone: the other goes too, as a TCP proxy would pass the close on.
  #drop(link: Link): void {
    if (!this.#links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }

  /**
   * Drops every connection at once with a TCP reset, as a network failure would: the client
   * sees an abnormal close (1006) and the server a lost peer. New connections still pass.
   */
  cut(): void {
    for (const link of [...this.#links]) {
      this.#links.delete(link);
      this.#cuts++;
      link.client.resetAndDestroy();
      link.upstream?.resetAndDestroy();
    }
  }

  /** Same as {@link FaultProxy.cut}. */
  cutAll(): void {
    this.cut();
  }

  /**
   * Stops traffic in both directions without closing anything: bytes wait unread (the kernel
   * buffers fill, as when a network drops packets) and new connections get no answer. Only
   * heartbeats and timeouts can tell. `restore()` lets the held bytes through, in order.
   */
  blackhole(): void {
    this.#mode = "blackhole";
    for (const link of this.#links) this.#unpipe(link);
  }

  /** Cuts every connection and refuses new ones (reset at once) until `restore()`. */
  refuse(): void {
    this.#mode = "refuse";
    this.cut();
  }

  /** Same as {@link FaultProxy.refuse}: the server is down. */
  down(): void {
    this.refuse();
  }

  /**
   * Passes traffic again and lets new connections through. Connections a blackhole held resume,
   * their held bytes first (a short outage, which TCP rides out), or with `{ cutHeld: true }` are
   * cut (an outage long enough for TCP to give up).
   */
  restore(options: { cutHeld?: boolean | undefined } = {}): void {
    const wasBlackhole = this.#mode === "blackhole";
    this.#mode = "open";
    for (const link of [...this.#links]) {
      if (wasBlackhole && options.cutHeld && !link.piped) {
        this.#links.delete(link);
        this.#cuts++;
        link.client.resetAndDestroy();
        link.upstream?.resetAndDestroy();
      } else if (!link.upstream) this.#connectUpstream(link);
      else this.#pipe(link);
    }
  }

  /** Stops listening and cuts every connection. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.cut();
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    })();
    return this.#closing;
  }

  /** Same as {@link FaultProxy.close}, for `await using proxy = await startFaultProxy(port)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// A server listens on 1 to 65535; 0 means "any free port" only to a listener, never as a target.
function targetPort(port: number, given: unknown): number {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  throw new HeraldError("bad_input", `fault proxy: the target port must be 1 to 65535, got ${String(given)}`);
}

function targetOf(target: ProxyTarget): { host: string; port: number } {
  if (typeof target === "number") return { host: "127.0.0.1", port: targetPort(target, target) };
  if (typeof target === "string") {
    let url: URL;
    try {
      url = new URL(target);
    } catch (cause) {
      throw new HeraldError("bad_input", `fault proxy: "${target}" is not a URL`, { cause });
    }
    const port = Number(url.port || (url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80));
    return { host: url.hostname.replace(/^\[|\]$/g, ""), port: targetPort(port, target) };
  }
  if (typeof target === "object" && target !== null && Number.isInteger(target.port)) {
    checkFields("fault proxy", "host:s", target);
    return { host: target.host ?? "127.0.0.1", port: targetPort(target.port, target.port) };
  }
  throw new HeraldError("bad_input", `fault proxy: no target port in ${JSON.stringify(target)}`);
}

/**
 * Starts a fault proxy on a free loopback port in front of `target`.
 *
 * ```ts
 * await using proxy = await startFaultProxy(server.port);
 * const client = new Client({ port: proxy.port });
 * proxy.blackhole(); // ... and later proxy.restore() or proxy.cut()
 * ```
 */
export async function startFaultProxy(
  target: ProxyTarget,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  checkListenOptions("startFaultProxy", options);
  const resolved = targetOf(target);
  const host = options.host ?? "127.0.0.1";
  const server = createServer({ pauseOnConnect: true });
  server.listen(options.port ?? 0, host);
  await once(server, "listening");
  return new FaultProxy(server, resolved, host);
}
