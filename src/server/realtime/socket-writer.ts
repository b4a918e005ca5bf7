import type { Socket } from "node:net";
import WebSocket from "ws";

/** Close code and reason used when a socket's reader falls too far behind. */
export const SLOW_READER_CLOSE = {
  code: 1013,
  reason: "Slow reader: outgoing buffer limit exceeded",
} as const;

/**
 * Writes frames to sockets, corking each socket for the rest of the event-loop turn so a burst of
 * frames leaves in one write, and enforcing the slow-reader policy: a socket whose unsent bytes
 * exceed `maxBufferedBytes` is closed with 1013 rather than buffered without bound or silently
 * skipped. Below the limit nothing is dropped, so a briefly slow reader catches up.
 */
export class SocketWriter {
  private readonly corked = new Set<Socket>();
  private scheduled = false;

  constructor(private readonly maxBufferedBytes: number) {}

  /** Sends one frame; returns false if the socket was closed (now or before) instead. */
  write(ws: WebSocket, frame: Buffer, binary: boolean): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > this.maxBufferedBytes) {
      ws.close(SLOW_READER_CLOSE.code, SLOW_READER_CLOSE.reason);
      // A reader that stopped reading would also never read the close frame.
      const timer = setTimeout(() => ws.terminate(), 5000);
      timer.unref();
      return false;
    }
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    if (socket !== undefined && !this.corked.has(socket)) {
      socket.cork();
      this.corked.add(socket);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    ws.send(frame, { binary, compress: false });
    return true;
  }

  private readonly flush = () => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
