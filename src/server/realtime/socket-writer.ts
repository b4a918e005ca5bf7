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
  /** Sockets corked this turn, with the bytes written to each since. */
  private readonly corked = new Map<Socket, number>();
  private scheduled = false;

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onSlowReader: (ws: WebSocket, bufferedBytes: number) => void = () => {},
  ) {}

  /** Sends one frame; returns false if the socket was closed (now or before) instead. */
  write(ws: WebSocket, frame: Buffer, binary: boolean): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    const thisTurn = socket === undefined ? 0 : (this.corked.get(socket) ?? 0);
    // Bytes written this turn are only waiting for the uncork; what counts is what earlier turns
    // could not get rid of, i.e. what the reader has not taken.
    const behind = ws.bufferedAmount - thisTurn;
    if (behind > this.maxBufferedBytes) {
      this.onSlowReader(ws, behind);
      ws.close(SLOW_READER_CLOSE.code, SLOW_READER_CLOSE.reason);
      // A reader that stopped reading would also never read the close frame.
      const timer = setTimeout(() => ws.terminate(), 5000);
      timer.unref();
      return false;
    }
    if (socket !== undefined) {
      if (!this.corked.has(socket)) {
        socket.cork();
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(this.flush);
        }
      }
      this.corked.set(socket, thisTurn + frame.length);
    }
    ws.send(frame, { binary, compress: false });
    return true;
  }

  private readonly flush = () => {
    this.scheduled = false;
    for (const socket of this.corked.keys()) socket.uncork();
    this.corked.clear();
  };
}
