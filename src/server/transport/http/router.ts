import type { IncomingMessage, ServerResponse } from "node:http";
import { HeraldError } from "../../../errors.js";
import { type RouteName, type RouteTypes, routes } from "../../../gen/routes.js";
import type { MessageName } from "../../../gen/schema.js";
import { PRECISE_CODE_KEY } from "../../../protocol/error-codes.js";
import { encodeRestResponse, parseRestRequest } from "../../../protocol/rest.js";
import { camelCase, messageInfo } from "../../../protocol/schema.js";
import type { Limits } from "../../limits/limits.js";
import { RateLimited } from "../../limits/rate-limited.js";
import type { Logger } from "../../logger.js";
import type { ServerMetrics } from "../../metrics/server-metrics.js";
import { httpStatusOf, refuse, wireCodeOf } from "../../refusal.js";
import type { AuthService } from "../../services/auth/auth-service.js";
import type { Caller } from "../../services/caller.js";
import { StockWords } from "../../stock-words.js";
import { fieldNames } from "../field-names.js";
import { jsonTextFault } from "../json-text-fault.js";
import { requestUrl } from "../request-url.js";
import { basicUsername } from "./basic-auth.js";
import { queryFault } from "./query-fault.js";
import { RpcWords, rpcCredential, STOCK_DEFAULT_HTTP_KEY, stockOnlyRoute } from "./stock-only-routes.js";
import { stockNotUtf8, stockQueryMarshalFault, stockQueryParseFault } from "./stock-query-faults.js";
import { withoutExtensionFields, withoutExtensionFieldsText } from "./without-extension-fields.js";

/** A route's handler: the decoded request in, the response message out. */
export type Handler<N extends RouteName> = (
  request: RouteTypes[N]["decoded"],
  caller: Caller,
) => RouteTypes[N]["responseInit"] | Promise<RouteTypes[N]["responseInit"]>;

/** Handlers by route name; a route without one is not served (404, as an unknown path). */
export type Handlers = { [N in RouteName]?: Handler<N> };

interface CompiledRoute {
  name: RouteName;
  method: string;
  pattern: RegExp;
  params: readonly string[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** How much of an oversized body is read (and dropped) so the refusal reaches the client intact. */
const MAX_DRAIN_BYTES = 16 << 20;

/**
 * The refusal of a body over the limit. Stock Nakama reads bodies through Go's size-capped reader,
 * whose error its gateway answers as a bad argument: 400, code 3, Go's words. Herald says 413 and
 * the limit.
 */
function bodyTooLarge(maxBytes: number, stock: boolean): HeraldError {
  return stock
    ? new HeraldError("bad_input", "http: request body too large", { serverCode: 3, status: 400 })
    : new HeraldError("bad_input", `Request body too large: at most ${maxBytes} bytes`, {
        serverCode: 3,
        status: 413,
      });
}

/** The message a route's JSON body holds: the request itself, or its body field's message. */
function bodyMessage(route: RouteName): MessageName {
  const spec = routes[route];
  const field = spec.body === "*" ? undefined : messageInfo(spec.request).lookup[spec.body];
  return field?.type ?? spec.request;
}

function compile(): CompiledRoute[] {
  return (Object.keys(routes) as RouteName[]).map((name) => {
    const spec = routes[name];
    const source = spec.path
      .split("/")
      .map((seg) => (seg.startsWith("{") ? "([^/]+)" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    // Path parameters come from the template itself, so the route table cannot disagree with it.
    const params = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    return { name, method: spec.method, pattern: new RegExp(`^${source}$`), params };
  });
}

function readBody(req: IncomingMessage, maxBytes: number, stock: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.destroy();
        return;
      }
      // Past the limit the rest is read and dropped: closing on unread data would reset the
      // connection before the client could read the refusal.
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > maxBytes) {
        reject(bodyTooLarge(maxBytes, stock));
        return;
      }
      try {
        // Fatal: Buffer's decoder would turn bytes that are not UTF-8 into U+FFFD and store that.
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new HeraldError("bad_input", "Request body is not valid UTF-8", { serverCode: 3 }));
      }
    });
    // The client went away mid-body, or was cut off for sending it too slowly: its connection's
    // fault, not the server's, so a refusal (logged at debug) rather than an internal error.
    req.on("error", (err) =>
      reject(
        new HeraldError("disconnected", "request body not received: the connection closed", {
          cause: err,
          status: 408,
        }),
      ),
    );
  });
}

function send(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...extra,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Access-Control-Allow-Origin": "*",
  });
  res.end(body);
}

/** What the router needs. */
export interface RouterDeps {
  handlers: Handlers;
  auth: AuthService;
  /** Key clients send (HTTP Basic) on authentication routes. */
  serverKey: string;
  logger: Logger;
  /** Whether error bodies carry herald's precise code as `herald_code` (off in stock mode). */
  preciseCodes: boolean;
  limits: Limits;
  metrics: ServerMetrics;
  /** The largest request body taken, in bytes. */
  maxBodyBytes: number;
  /**
   * Read requests as stock Nakama's HTTP gateway does: unknown body fields skipped, the request
   * read before the credentials are checked, its query faults and oversized bodies answered with
   * stock's statuses and words.
   */
  stockRequests: boolean;
}

/** Routes REST requests by the generated route table to the handlers. */
export class Router {
  private readonly table = compile();
  private readonly handlers: Handlers;

  constructor(private readonly deps: RouterDeps) {
    this.handlers = deps.handlers;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = requestUrl(req.url);
    let routeName = "";
    let status = 200;
    const address = req.socket.remoteAddress ?? "";
    let signIn = false;
    this.deps.metrics.httpRequests += 1;
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "Access-Control-Allow-Origin": "*",
          "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
          "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
          "Access-Control-Max-Age": "86400",
        });
        res.end();
        return;
      }
      let matched: { route: CompiledRoute; values: Record<string, string> } | undefined;
      let pathNotUtf8 = false;
      let pathMatched = false;
      for (const route of this.table) {
        if (this.handlers[route.name] === undefined) continue;
        const m = route.pattern.exec(url.pathname);
        if (m === null) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        const values: Record<string, string> = {};
        route.params.forEach((p, i) => {
          const raw = m[i + 1] ?? "";
          try {
            values[p] = decodeURIComponent(raw);
          } catch {
            // Stock passes such bytes on to its gRPC client, which cannot encode them (see below);
            // a bad escape never gets here in stock mode (see stock-bad-request-line.ts).
            if (!this.deps.stockRequests) refuse("bad_input", `Malformed path parameter ${p}`);
            values[p] = raw;
            pathNotUtf8 = true;
          }
        });
        matched = { route, values };
        break;
      }
      const stockOnly = matched === undefined ? stockOnlyRoute(req.method, url.pathname) : undefined;
      if (stockOnly !== undefined) {
        // As stock does, the credentials are checked first: 401 without them.
        if (stockOnly.auth === "rpc") {
          await this.authenticateRpc(url, req.headers.authorization);
          if (url.pathname.replace(/^\/v2\/rpc\/?/, "") === "") refuse("bad_input", RpcWords.idRequired);
          refuse("unsupported", StockWords.rpcNotFound, { wire: "not_found" });
        }
        await this.authenticate(stockOnly.auth, req.headers.authorization);
        refuse("unsupported", `${stockOnly.feature} is not offered by this server`);
      }
      if (matched === undefined) {
        status = pathMatched ? 405 : 404;
        send(
          res,
          status,
          JSON.stringify({
            code: pathMatched ? 12 : 5,
            message: pathMatched ? "Method not allowed" : "Not found",
          }),
        );
        return;
      }
      routeName = matched.route.name;
      const spec = routes[matched.route.name];
      const { limits } = this.deps;
      let caller: Caller;
      let request: Record<string, unknown>;
      signIn = routeName.startsWith("authenticate");
      if (this.deps.stockRequests) {
        // Stock's gateway reads the whole request before its gRPC server checks the credentials.
        request = await this.readStockRequest(req, matched.route.name, matched.values, url, pathNotUtf8);
        caller = await this.authenticate(spec.auth, req.headers.authorization);
        limits.take("restCalls", caller.userId === "" ? `a:${address}` : `u:${caller.userId}`, "requests");
        if (signIn) limits.check("wrongPasswords", address, "failed sign-ins");
      } else {
        // Credentials first: nobody unknown gets a body read, or a word about what is wrong with it.
        caller = await this.authenticate(spec.auth, req.headers.authorization);
        limits.take("restCalls", caller.userId === "" ? `a:${address}` : `u:${caller.userId}`, "requests");
        if (signIn) limits.check("wrongPasswords", address, "failed sign-ins");
        request = await this.readRequest(req, matched.route.name, matched.values, url);
      }
      if (signIn && request.create === true) limits.take("signUps", address, "sign-ups");
      const handler = this.handlers[matched.route.name] as Handler<RouteName>;
      const response = await handler(request as never, caller);
      send(res, 200, encodeRestResponse(matched.route.name, response as never));
    } catch (err) {
      let refusal: HeraldError;
      if (HeraldError.is(err)) {
        refusal = err;
      } else {
        refusal = new HeraldError("server_error", "Internal server error");
        this.deps.logger.error("request_failed", { route: routeName, err });
      }
      // A failed sign-in counts against the address, whatever the account it tried.
      if (signIn && refusal.code === "unauthenticated") this.deps.limits.charge("wrongPasswords", address);
      this.deps.metrics.countRefusal(refusal.code);
      const code = wireCodeOf(refusal);
      status = refusal.status ?? httpStatusOf(code);
      const body: Record<string, unknown> = { code, message: refusal.message };
      // Stock clients read code and message; herald's SDK prefers the precise code beside them.
      if (this.deps.preciseCodes) body[PRECISE_CODE_KEY] = refusal.code;
      // Retry-After tells any HTTP client when to come back; the body says it for humans too.
      const headers: Record<string, string> =
        refusal instanceof RateLimited ? { "Retry-After": String(refusal.retryAfterSec) } : {};
      if (!res.headersSent) send(res, status, JSON.stringify(body), headers);
    } finally {
      this.deps.logger.debug("http_request", {
        method: req.method,
        path: url.pathname,
        route: routeName,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  }

  /** Reads a route's request, refusing any text that is not what it seems (herald's rules). */
  private async readRequest(
    req: IncomingMessage,
    name: RouteName,
    pathValues: Record<string, string>,
    url: URL,
  ): Promise<Record<string, unknown>> {
    const badQuery = queryFault(url.search);
    if (badQuery !== undefined) refuse("bad_input", `Malformed query string: ${badQuery}`);
    const bodyText = await this.readBodyText(req, name, false);
    const request = parseRestRequest(name, pathValues, url.searchParams, bodyText) as Record<string, unknown>;
    for (const [p, v] of Object.entries(pathValues)) request[camelCase(p)] = v;
    return request;
  }

  /** A route's body, if it takes one, refused as stock's JSON reader would refuse its text. */
  private async readBodyText(
    req: IncomingMessage,
    name: RouteName,
    stock: boolean,
  ): Promise<string | undefined> {
    if (!routes[name].body) return undefined;
    const text = await readBody(req, this.deps.maxBodyBytes, stock);
    const fault = jsonTextFault(text, { fieldOf: fieldNames(bodyMessage(name), stock) });
    if (fault !== undefined) refuse("bad_input", `Malformed request body: ${fault}`);
    return text;
  }

  /**
   * Reads a route's request as stock's gateway does: the body first (unknown fields skipped with
   * their values unchecked, as its JSON reader is set to, herald's extension fields included), then the query, only for a route
   * that takes query parameters, then what its gRPC client cannot pass on (a string, from the query
   * or the path, that is not UTF-8). See stock-query-faults.ts.
   */
  private async readStockRequest(
    req: IncomingMessage,
    name: RouteName,
    pathValues: Record<string, string>,
    url: URL,
    pathNotUtf8: boolean,
  ): Promise<Record<string, unknown>> {
    const bodyText = await this.readBodyText(req, name, true);
    const queryFault = stockQueryParseFault(name, url.search);
    if (queryFault !== undefined) throw queryFault;
    const stockBody = withoutExtensionFieldsText(bodyMessage(name), bodyText);
    const request = parseRestRequest(name, pathValues, url.searchParams, stockBody, {
      ignoreUnknown: true,
    }) as Record<string, unknown>;
    const marshalFault = pathNotUtf8 ? stockNotUtf8() : stockQueryMarshalFault(name, url.search);
    if (marshalFault !== undefined) throw marshalFault;
    withoutExtensionFields(routes[name].request, request);
    for (const [p, v] of Object.entries(pathValues)) request[camelCase(p)] = v;
    return request;
  }

  /** Checks an rpc call's credentials as stock does: a session token or its runtime HTTP key. */
  private async authenticateRpc(url: URL, header: string | undefined): Promise<void> {
    const credential = rpcCredential(url, header);
    if (credential.kind === "none") refuse("unauthenticated", RpcWords.required);
    if (credential.kind === "httpKey") {
      if (credential.key !== STOCK_DEFAULT_HTTP_KEY) refuse("unauthenticated", RpcWords.httpKeyInvalid);
      return;
    }
    const token = credential.header.startsWith("Bearer ") ? credential.header.slice(7) : "";
    if (token === "" || (await this.deps.auth.verifySession(token)) === undefined)
      refuse("unauthenticated", StockWords.authTokenInvalid);
  }

  private async authenticate(kind: "basic" | "bearer" | "none", header: string | undefined): Promise<Caller> {
    const anonymous: Caller = { userId: "", username: "", tid: "", exp: 0, vars: {} };
    if (kind === "none") return anonymous;
    if (kind === "basic") {
      // As stock: no header is "required"; another scheme, bad base64 or no colon is "invalid".
      if (header === undefined) refuse("unauthenticated", StockWords.serverKeyRequired);
      const key = basicUsername(header);
      if (key === undefined || key !== this.deps.serverKey)
        refuse("unauthenticated", StockWords.serverKeyInvalid);
      return anonymous;
    }
    // As stock: no header is "required"; another scheme or a bad token is "invalid".
    if (header === undefined) refuse("unauthenticated", StockWords.authTokenRequired);
    if (!header.startsWith("Bearer ")) refuse("unauthenticated", StockWords.authTokenInvalid);
    const claims = await this.deps.auth.verifySession(header.slice(7));
    if (claims === undefined) refuse("unauthenticated", StockWords.authTokenInvalid);
    return { userId: claims.uid, username: claims.usn, tid: claims.tid, exp: claims.exp, vars: claims.vrs };
  }
}
