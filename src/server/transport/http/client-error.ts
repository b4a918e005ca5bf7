import type { Duplex } from "node:stream";

/** What to answer a request Node's HTTP parser refused, by the parser's error code. */
function answerFor(code: string | undefined): { status: number; reason: string; body: object } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        reason: "Request Header Fields Too Large",
        body: { code: 3, message: "Request headers too large" },
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      // Headers or body still arriving after `requestTimeoutMs` (a slowloris client).
      return {
        status: 408,
        reason: "Request Timeout",
        body: { code: 4, message: "Request not received in time" },
      };
    case "HPE_INVALID_METHOD":
      return {
        status: 501,
        reason: "Not Implemented",
        body: { code: 12, message: "HTTP method not supported" },
      };
    default:
      return { status: 400, reason: "Bad Request", body: { code: 3, message: "Malformed HTTP request" } };
  }
}

/**
 * Answers a request that Node's HTTP parser refused (headers too large, an unknown method,
 * malformed syntax, or not received in time) with an HTTP error and the usual JSON body, instead of a bare TCP reset.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, reason, body } = answerFor(err.code);
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
