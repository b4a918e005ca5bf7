import type { Socket } from "node:net";
import WebSocket from "ws";
import { DeliveryCounter } from "../../metrics/delivery-counter.js";
import { DataFrame } from "./data-frame.js";

/** Close code and reason used when a socket's reader falls too far behind. */
export const SLOW_READER_CLOSE = {
  code: 1013,
  reason: "Slow reader: outgoing buffer limit exceeded",
} as const;

/** A socket the writer sends to, with the writer's per-turn bookkeeping kept on it. */
export interface WriteTarget {
  readonly ws: WebSocket;
  /** Whether its frames are binary. */
  readonly binary: boolean;
  /** The writer turn in which it was last corked. */
  corkTurn: number;
  /** Bytes written to it during `corkTurn`. */
  turnBytes: number;
}

const TEXT = { binary: false, compress: false } as const;
const BINARY = { binary: true, compress: false } as const;

/**
 * Writes frames to sockets, corking each socket for the rest of the event-loop turn so a burst of
 * frames leaves in one write, and enforcing the slow-reader policy: a socket whose unsent bytes
 * exceed `maxBufferedBytes` is closed with 1013 rather than buffered without bound or silently
 * skipped. Below the limit nothing is dropped, so a briefly slow reader catches up.
 */
export class SocketWriter {
  private readonly corked: Socket[] = [];
  private turn = 1;
  private scheduled = false;
  /**
   * The last frame written per format: a broadcast writes one payload to every member in a row
   * (members of both formats alternate between two payloads), so one entry per format suffices.
   * Cleared every turn, so a large payload is not kept alive past its broadcast.
   */
  private lastText: DataFrame | undefined;
  private lastBinary: DataFrame | undefined;
  /** Frames written since start (read by the metrics). */
  framesWritten = 0;
  /** Pushes written, by kind (read by the metrics). */
  readonly deliveries = new DeliveryCounter();

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onSlowReader: (ws: WebSocket, bufferedBytes: number) => void = () => {},
  ) {}

  /**
   * Sends one frame of envelope kind `kind` (counted as a delivery when it is a push); returns
   * false if the socket was closed (now or before) instead.
   */
  write(target: WriteTarget, frame: Buffer, kind = ""): boolean {
    const ws = target.ws;
    if (ws.readyState !== WebSocket.OPEN) return false;
    const corkedNow = target.corkTurn === this.turn;
    const thisTurn = corkedNow ? target.turnBytes : 0;
    // Only what earlier turns could not get rid of counts, i.e. what the reader has not taken.
    const behind = ws.bufferedAmount - thisTurn;
    if (behind > this.maxBufferedBytes) {
      this.onSlowReader(ws, behind);
      ws.close(SLOW_READER_CLOSE.code, SLOW_READER_CLOSE.reason);
      // A reader that stopped reading would also never read the close frame.
      const timer = setTimeout(() => ws.terminate(), 5000);
      timer.unref();
      return false;
    }
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    if (!corkedNow) {
      if (socket !== undefined) {
        socket.cork();
        this.corked.push(socket);
      }
      target.corkTurn = this.turn;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    this.framesWritten += 1;
    this.deliveries.count(kind);
    if (socket === undefined) {
      target.turnBytes = thisTurn + frame.length;
      ws.send(frame, target.binary ? BINARY : TEXT);
      return true;
    }
    // The frame goes to the socket as bytes framed once per payload: a broadcast's members share
    // them, where `ws.send` would build a header and an options object for each member. The server
    // negotiates no extension (no compression), so these are exactly the bytes `ws` would write,
    // and they join the socket's stream in order with the frames `ws` writes itself (pings, pongs,
    // the close frame).
    const framed = this.framed(frame, target.binary);
    // The header counts too: `bufferedAmount`, which this is subtracted from, holds it.
    target.turnBytes = thisTurn + framed.length;
    const parts = framed.parts;
    for (let i = 0; i < parts.length; i++) socket.write(parts[i] as Buffer);
    return true;
  }

  /**
   * Bytes `target`'s reader has not taken: its socket's buffered bytes, less those written this
   * turn, which only wait for the end-of-turn uncork. A burst of one turn is not a slow reader.
   */
  unsentBytes(target: WriteTarget): number {
    const buffered = target.ws.bufferedAmount;
    return target.corkTurn === this.turn ? Math.max(0, buffered - target.turnBytes) : buffered;
  }

  /** The data frame of `payload`, reused while the same payload is written to socket after socket. */
  private framed(payload: Buffer, binary: boolean): DataFrame {
    const last = binary ? this.lastBinary : this.lastText;
    if (last !== undefined && last.payload === payload) return last;
    const frame = new DataFrame(payload, binary);
    if (binary) this.lastBinary = frame;
    else this.lastText = frame;
    return frame;
  }

  private readonly flush = () => {
    this.scheduled = false;
    this.turn += 1;
    this.lastText = undefined;
    this.lastBinary = undefined;
    for (const socket of this.corked) socket.uncork();
    this.corked.length = 0;
  };
}
