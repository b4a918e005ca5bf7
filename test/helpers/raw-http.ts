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
