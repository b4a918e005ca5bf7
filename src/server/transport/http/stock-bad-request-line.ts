import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/**
 * What Go's net/http server writes for a request it cannot read (its `conn.serve`, when reading
 * the request fails with an error that carries no status of its own): a fixed plain-text 400 with
 * no Content-Length and no Date, after which it closes the connection.
 */
export const STOCK_BAD_REQUEST =
  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";

/** A `%` not followed by two hex digits. */
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/**
 * Whether stock Nakama's HTTP server (Go's net/http) could not read this request line: it parses
 * the request target with `url.ParseRequestURI`, which unescapes the path (everything before the
 * first `?`) and fails on a bad `%` escape, so the request never reaches a handler or the
 * WebSocket upgrade. The query is not unescaped there (the gateway reads it later, with its own
 * errors).
 */
export function stockCannotReadTarget(target: string | undefined): boolean {
  if (target === undefined) return false;
  const query = target.indexOf("?");
  return BAD_ESCAPE.test(query === -1 ? target : target.slice(0, query));
}

/**
 * Answers a request as stock's HTTP server does when it cannot read its request line (see
 * {@link stockCannotReadTarget}): the fixed 400, then the connection closes. True if it answered.
 */
export function refuseAsStockRequestLine(req: IncomingMessage, socket: Duplex): boolean {
  if (!stockCannotReadTarget(req.url)) return false;
  if (!socket.writable) socket.destroy();
  else socket.end(STOCK_BAD_REQUEST, () => socket.destroy());
  return true;
}
