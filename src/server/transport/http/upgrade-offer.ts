import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** The refusal of a request that offers an upgrade and holds a body. */
const BODY_WITH_UPGRADE = JSON.stringify({
  code: 3,
  message: "Upgrade offered with a request body: send the request without the Upgrade header",
});

/** Whether a request says a body follows its headers. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * Answers over HTTP/1.1 a request that offered to switch protocols where the server does not (an
 * HTTP/2 client's `Upgrade: h2c` on a REST route, say), as stock Nakama's Go server ignores such an
 * offer. Node hands every request naming an upgrade to the upgrade handler, its socket already taken
 * from the HTTP parser: a request without a body is complete and is handled by `handle` as any
 * other; one with a body is refused, since its body would no longer reach it (taken as empty, a
 * write would succeed without its fields).
 */
export function answerWithoutUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (hasBody(req)) {
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY_WITH_UPGRADE)}\r\nConnection: close\r\n\r\n${BODY_WITH_UPGRADE}`,
    );
    return;
  }
  const res = new ServerResponse(req);
  // The connection serves this one request: what the client sent after it is not read.
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on("finish", () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  handle(req, res);
}
