import type { IncomingMessage, ServerResponse } from "node:http";
import type { Envelope } from "../../gen/wire.js";
import { type HeraldErrorCode, PRECISE_CODE_KEY, wireCodes } from "../../protocol/error-codes.js";
import { type ConsoleAssetName, ConsoleAssets } from "./console-assets.js";
import {
  type ConsoleAccess,
  type ConsoleOptions,
  DEFAULT_CONSOLE_CREDENTIAL,
  isLoopbackHost,
  resolveConsoleAccess,
} from "./console-options.js";
import type { ConsoleSources } from "./console-sources.js";
import { ConsoleState } from "./console-state.js";
import type { ConsoleTap, ObservedOutgoing, ObservedSession } from "./console-tap.js";
import { EnvelopeLog } from "./envelope-log.js";
import { matchesFilter } from "./inspector-entry.js";
import { OperatorCredential } from "./operator-credential.js";

/** How soon after a change viewers get the new state (changes in between are sent together). */
const PUSH_DELAY_MS = 100;
/** Changes the tap cannot see (a user turning invisible over REST) show within this period. */
const REFRESH_MS = 2000;
/** Comment lines keep idle event streams open through proxies. */
const KEEPALIVE_MS = 15_000;
/** Inspector entries sent per push at most; the page shows fewer than that. */
const MAX_ENTRIES_PER_PUSH = 200;

const assetPaths: Record<string, ConsoleAssetName> = {
  "/": "index.html",
  "/console": "index.html",
  "/console/": "index.html",
  "/console/console.js": "console.js",
  "/console/console.css": "console.css",
  "/console/herald.min.js": "herald.min.js",
};

const PAGE_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** Where the console logs (the server's logger fits). */
export interface ConsoleLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** What {@link OperatorConsole} needs from the server. */
export interface OperatorConsoleDeps {
  /** The address the server listens on: the default credential is only accepted on loopback. */
  host: string;
  options: ConsoleOptions;
  sources: ConsoleSources;
  logger: ConsoleLogger;
}

/**
 * The operator console: serves the page at the server's root URL, answers its API (a snapshot of
 * who is online and which channels are live, the message inspector, and a live event stream), and
 * observes the server through {@link ConsoleTap}.
 */
export class OperatorConsole implements ConsoleTap {
  /** Whether the console can be used, and with which credential. */
  readonly access: ConsoleAccess;
  private readonly credential: OperatorCredential | undefined;
  private readonly log: EnvelopeLog;
  private readonly state: ConsoleState;
  private readonly assets = new ConsoleAssets();
  private readonly viewers = new Set<ServerResponse>();
  private pushTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private lastSnapshot = "";
  private lastSeq = 0;
  private closed = false;
  /** Event streams whose first snapshot is still being read. */
  private opening = 0;
  /** A pushed snapshot is being read. */
  private pushing = false;

  constructor(private readonly deps: OperatorConsoleDeps) {
    this.access = resolveConsoleAccess(deps.host, deps.options);
    this.credential = this.access.enabled ? new OperatorCredential(this.access.credential) : undefined;
    this.log = new EnvelopeLog(deps.options.inspectorSize ?? 500);
    this.state = new ConsoleState(deps.sources);
    if (!this.access.enabled) deps.logger.warn("console_off", { reason: this.access.reason });
  }

  // ---------- ConsoleTap: called on the server's hot paths, so only record and schedule ----------

  sessionOpened(session: ObservedSession): void {
    this.state.sessionOpened(session);
    this.changed();
  }

  sessionClosed(_session: ObservedSession): void {
    this.changed();
  }

  received(session: ObservedSession, envelope: Envelope): void {
    this.log.received(session, envelope);
    this.changed();
  }

  sent(session: ObservedSession, out: ObservedOutgoing): void {
    if (this.log.sent(session, out) && out.envelope.kind === "channelMessage") {
      this.state.messagePushed(out.envelope.body, out.storedSeq);
    }
    this.changed();
  }

  // ---------- HTTP ----------

  /**
   * Answers the request if it is the console's (the root URL and `/console/...`); returns false
   * for every other path, which the server's REST router then handles.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      // A target no URL can hold ("//", "//@") is no console path; the REST router answers it.
      return false;
    }
    const asset = assetPaths[url.pathname];
    if (asset === undefined && !url.pathname.startsWith("/console/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      this.fail(res, "unsupported", "Method not allowed", 405);
      return true;
    }
    if (asset !== undefined) {
      void this.serveAsset(res, asset, req.method === "HEAD");
      return true;
    }
    if (url.pathname === "/console/api/info") {
      const refusal = this.access.enabled ? this.defaultRefusal(req) : this.access.reason;
      this.json(res, {
        enabled: refusal === undefined,
        ...(refusal === undefined ? {} : { reason: refusal }),
        // The default is documented and only ever accepted on loopback, so saying it helps and costs nothing.
        ...(this.access.enabled && this.access.isDefault && refusal === undefined
          ? { defaultCredential: DEFAULT_CONSOLE_CREDENTIAL }
          : {}),
      });
      return true;
    }
    if (!this.authorize(req, res)) return true;
    try {
      switch (url.pathname) {
        case "/console/api/snapshot":
          this.state.snapshot().then(
            (snapshot) => this.json(res, snapshot),
            (err: unknown) => {
              this.deps.logger.error("console_request_failed", { path: url.pathname, err });
              if (!res.headersSent) this.fail(res, "server_error", "Internal server error");
            },
          );
          return true;
        case "/console/api/envelopes": {
          const after = Number(url.searchParams.get("after") ?? "0");
          const filter = {
            user: url.searchParams.get("user") ?? undefined,
            channel: url.searchParams.get("channel") ?? undefined,
          };
          const entries = this.log
            .since(Number.isFinite(after) ? after : 0)
            .filter((e) => matchesFilter(e, filter));
          this.json(res, { entries, lastSeq: this.log.lastSeq });
          return true;
        }
        case "/console/api/events":
          this.openStream(req, res);
          return true;
        default:
          this.fail(res, "not_found", "Not found");
          return true;
      }
    } catch (err) {
      this.deps.logger.error("console_request_failed", { path: url.pathname, err });
      this.fail(res, "server_error", "Internal server error");
      return true;
    }
  }

  /** Ends every open event stream and stops the timers. */
  close(): void {
    this.closed = true;
    clearTimeout(this.pushTimer);
    clearInterval(this.refreshTimer);
    clearInterval(this.keepaliveTimer);
    for (const res of this.viewers) res.end();
    this.viewers.clear();
  }

  /**
   * With the default credential, requests must name the server by a loopback host name: a web page
   * that points its own domain at 127.0.0.1 (DNS rebinding) then cannot use the well-known default.
   */
  private defaultRefusal(req: IncomingMessage): string | undefined {
    if (!this.access.enabled || !this.access.isDefault) return undefined;
    const host = req.headers.host ?? "";
    let hostname = "";
    try {
      hostname = new URL(`http://${host}`).hostname;
    } catch {
      // An unparsable Host header is no loopback name.
    }
    if (isLoopbackHost(hostname)) return undefined;
    return `The default console credential is accepted only at a loopback address such as 127.0.0.1, not at host "${host}": set an operator credential to use the console by another name`;
  }

  private authorize(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.access.enabled || this.credential === undefined) {
      this.fail(res, "permission_denied", this.access.enabled ? "Console off" : this.access.reason);
      return false;
    }
    const refusal = this.defaultRefusal(req);
    if (refusal !== undefined) {
      this.fail(res, "permission_denied", refusal);
      return false;
    }
    const check = this.credential.check(req.headers.authorization, req.socket.remoteAddress ?? "");
    if (check.ok) return true;
    if (check.reason === "locked") {
      res.setHeader("Retry-After", String(check.retryAfterSec));
      this.fail(res, "rate_limited", "Too many wrong operator credentials: try again later");
      return false;
    }
    res.setHeader("WWW-Authenticate", 'Bearer realm="herald console"');
    this.fail(
      res,
      "unauthenticated",
      check.reason === "missing"
        ? "Operator credential required (Authorization: Bearer CREDENTIAL)"
        : "Operator credential invalid",
    );
    return false;
  }

  private async serveAsset(res: ServerResponse, name: ConsoleAssetName, headOnly: boolean): Promise<void> {
    try {
      const asset = await this.assets.get(name);
      if (asset === undefined) {
        this.fail(
          res,
          "not_found",
          "The console page is not part of this build: run `npm run build` (or reinstall herald)",
        );
        return;
      }
      res.writeHead(200, {
        ...PAGE_HEADERS,
        "Content-Type": asset.contentType,
        "Content-Length": asset.body.length,
      });
      res.end(headOnly ? undefined : asset.body);
    } catch (err) {
      this.deps.logger.error("console_asset_failed", { asset: name, err });
      if (!res.headersSent)
        this.fail(res, "server_error", `The console page could not be built: ${String(err)}`);
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
    this.viewers.add(res);
    // The first snapshot goes out before any pushed one: pushes wait until this is written.
    this.opening += 1;
    this.state
      .snapshot()
      .then(
        (snapshot) => res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`),
        (err: unknown) => this.deps.logger.debug("console_snapshot_failed", { err }),
      )
      .finally(() => {
        this.opening -= 1;
        res.write(`event: envelopes\ndata: ${JSON.stringify(this.log.since(0, MAX_ENTRIES_PER_PUSH))}\n\n`);
      });
    req.on("close", () => {
      this.viewers.delete(res);
      if (this.viewers.size === 0) this.stopTimers();
    });
    this.refreshTimer ??= setInterval(() => this.changed(), REFRESH_MS).unref();
    this.keepaliveTimer ??= setInterval(() => {
      for (const v of this.viewers) v.write(": keepalive\n\n");
    }, KEEPALIVE_MS).unref();
  }

  private stopTimers(): void {
    clearInterval(this.refreshTimer);
    clearInterval(this.keepaliveTimer);
    this.refreshTimer = undefined;
    this.keepaliveTimer = undefined;
  }

  /** Something may have changed: push to viewers soon, in one batch. */
  private changed(): void {
    if (this.pushTimer !== undefined || this.viewers.size === 0 || this.closed) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      void this.push();
    }, PUSH_DELAY_MS);
    this.pushTimer.unref();
  }

  private async push(): Promise<void> {
    if (this.viewers.size === 0) return;
    if (this.opening > 0 || this.pushing) {
      // A snapshot is being read: this push comes once it is done.
      this.changed();
      return;
    }
    let frames = "";
    this.pushing = true;
    try {
      const snapshot = JSON.stringify(await this.state.snapshot());
      if (snapshot !== this.lastSnapshot) {
        this.lastSnapshot = snapshot;
        frames += `event: snapshot\ndata: ${snapshot}\n\n`;
      }
      const entries = this.log.since(this.lastSeq, MAX_ENTRIES_PER_PUSH);
      this.lastSeq = this.log.lastSeq;
      if (entries.length > 0) frames += `event: envelopes\ndata: ${JSON.stringify(entries)}\n\n`;
    } catch (err) {
      // Storage away, or shutting down (database closed): the next push tries again.
      this.deps.logger.debug("console_push_failed", { err });
      return;
    } finally {
      this.pushing = false;
    }
    if (this.closed) return;
    if (frames !== "") for (const v of this.viewers) v.write(frames);
  }

  private json(res: ServerResponse, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    });
    res.end(text);
  }

  private fail(res: ServerResponse, code: HeraldErrorCode, message: string, status?: number): void {
    const { grpc, http } = wireCodes[code];
    const text = JSON.stringify({ code: grpc, message, [PRECISE_CODE_KEY]: code });
    res.writeHead(status ?? http, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    });
    res.end(text);
  }
}
