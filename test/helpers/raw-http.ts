// Raw TCP connections to a server's HTTP port, for requests no HTTP client would send: headers or
// a body dripped slowly, or nothing at all.

import { once } from "node:events";
import { connect, type Socket } from "node:net";

/** A raw TCP connection to the server, collecting what it answers until it closes. */
export async function rawConnection(port: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
  });
  socket.on("error", () => {});
  const answer = once(socket, "close").then(() => text);
  return { socket, answer };
}

/** Writes `text` a piece at a time, every `everyMs`, until the socket closes or all is sent. */
export async function drip(socket: Socket, text: string, everyMs: number): Promise<void> {
  for (const piece of text.match(/[\s\S]{1,2}/g) ?? []) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Where the first answer in `data` ends, once all of it has arrived: its head, then its body by
 * `Content-Length` or chunks (none after 101, 204 or 304). Undefined while it is incomplete, or
 * when only the server's close can end it.
 */
function answerEnd(data: Buffer): number | undefined {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const head = data.subarray(0, headEnd).toString("latin1");
  const bodyStart = headEnd + 4;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  if (status === 101 || status === 204 || status === 304) return bodyStart;
  const length = /^content-length:\s*(\d+)\s*$/im.exec(head)?.[1];
  if (length !== undefined) {
    const end = bodyStart + Number(length);
    return data.length >= end ? end : undefined;
  }
  if (/^transfer-encoding:.*\bchunked\b/im.test(head)) {
    // The last chunk: a size of 0 at the start of a line, then the blank line.
    const last = data.indexOf("\r\n0\r\n\r\n", headEnd);
    return last < 0 ? undefined : last + 7;
  }
  return undefined;
}

/**
 * Sends `request` on a fresh connection and resolves with what the server wrote, once its first
 * answer is complete (then the test hangs up: a kept-alive or switched connection stays open) or
 * the server closed the connection. Rejects if the connection fails (a reset, say).
 */
export function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    const done = () => {
      resolve(data.toString("utf8"));
      socket.destroy();
    };
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (answerEnd(data) !== undefined) done();
    });
    socket.on("error", (err) =>
      reject(new Error(`connection failed (${err.message}) after: ${JSON.stringify(data.toString("utf8"))}`)),
    );
    socket.on("close", done);
    socket.write(request);
  });
}
