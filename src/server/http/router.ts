import type { IncomingMessage, ServerResponse } from "node:http";
import { grpcCodeOf, HeraldError } from "../../errors.js";
import { type RouteName, type RouteTypes, routes } from "../../gen/routes.js";
import { encodeRestResponse, parseRestRequest } from "../../protocol/rest.js";
import { camelCase } from "../../protocol/schema.js";
import type { Caller, ServerContext } from "../context.js";
import { httpStatusOf, refuse } from "../refusal.js";

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

const MAX_BODY_BYTES = 1 << 20;

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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(HeraldError.fromServer(3, "Request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Access-Control-Allow-Origin": "*",
  });
  res.end(body);
}

/** Routes REST requests by the generated route table to the handlers. */
export class Router {
  private readonly table = compile();

  constructor(
    private readonly ctx: ServerContext,
    private readonly handlers: Handlers,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    let routeName = "";
    let status = 200;
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
      let pathMatched = false;
      for (const route of this.table) {
        if (this.handlers[route.name] === undefined) continue;
        const m = route.pattern.exec(url.pathname);
        if (m === null) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        const values: Record<string, string> = {};
        route.params.forEach((p, i) => {
          try {
            values[p] = decodeURIComponent(m[i + 1] ?? "");
          } catch {
            refuse(`Malformed path parameter ${p}`);
          }
        });
        matched = { route, values };
        break;
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
      const caller = this.authenticate(spec.auth, req.headers.authorization);
      const bodyText = spec.body ? await readBody(req) : undefined;
      const request = parseRestRequest(
        matched.route.name,
        matched.values,
        url.searchParams,
        bodyText,
      ) as Record<string, unknown>;
      for (const [p, v] of Object.entries(matched.values)) request[camelCase(p)] = v;
      const handler = this.handlers[matched.route.name] as Handler<RouteName>;
      const response = await handler(request as never, caller);
      send(res, 200, encodeRestResponse(matched.route.name, response as never));
    } catch (err) {
      let code: number;
      let message: string;
      if (HeraldError.is(err)) {
        code = err.serverCode ?? grpcCodeOf[err.code];
        message = err.message;
      } else {
        code = 13;
        message = "Internal server error";
        this.ctx.logger.error("request_failed", { route: routeName, err });
      }
      status = httpStatusOf(code);
      if (!res.headersSent) send(res, status, JSON.stringify({ code, message }));
    } finally {
      this.ctx.logger.debug("http_request", {
        method: req.method,
        path: url.pathname,
        route: routeName,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  }

  private authenticate(kind: "basic" | "bearer" | "none", header: string | undefined): Caller {
    const anonymous: Caller = { userId: "", username: "", tid: "", exp: 0, vars: {} };
    if (kind === "none") return anonymous;
    if (kind === "basic") {
      if (!header?.startsWith("Basic ")) refuse("Server key required", 16);
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const key = decoded.includes(":") ? decoded.slice(0, decoded.indexOf(":")) : decoded;
      if (key !== this.ctx.serverKey) refuse("Server key invalid", 16);
      return anonymous;
    }
    if (!header?.startsWith("Bearer ")) refuse("Auth token required", 16);
    const claims = this.ctx.auth.verifySession(header.slice(7));
    if (claims === undefined) refuse("Auth token invalid", 16);
    return { userId: claims.uid, username: claims.usn, tid: claims.tid, exp: claims.exp, vars: claims.vrs };
  }
}
