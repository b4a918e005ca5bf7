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
  /** Bytes the writer has written to it so far (frame headers included). */
  writtenBytes: number;
  /** What the last {@link SocketWriter.readerProgress} saw: unsent bytes, and `writtenBytes` then. */
  checkedUnsent: number;
  checkedWritten: number;
  /** The pace (bytes per ms) its reader took bytes at lately, as {@link SocketWriter.readerProgress} saw it. */
  takeRate: number;
}

/** How a socket's reader fared since the previous look (see {@link SocketWriter.readerProgress}). */
export interface ReaderProgress {
  /** Bytes the socket holds, unsent, besides those corked this turn. */
  unsent: number;
  /**
   * Of those, bytes that were unsent at the previous look already and still are: what the reader
   * has left for a whole interval. A burst written since then counts only from the next look.
   */
  stale: number;
  /** Bytes the reader took since the previous look. */
  taken: number;
  /**
   * Bytes per ms the reader takes lately: the pace since the previous look, or half the pace
   * remembered before if that is more, so that a reader whose process got no core for one
   * interval is not taken for one that stopped (whose pace halves at every look).
   */
  pace: number;
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
      target.writtenBytes += frame.length;
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
    target.writtenBytes += framed.length;
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

  /**
   * What `target`'s reader did since the previous call for it, `intervalMs` ago (the server-wide
   * budget looks at every socket on a timer): what it holds unsent, how much of that waited since the previous
   * look, and how much it took meanwhile. Bytes leave in order, so what was unsent then and is
   * not taken yet is still there; what was written since is newer. A node that comes back from a
   * stall (no core for a while, a backlog of cluster messages delivered at once) writes a burst
   * its readers had no time to take; this tells that burst from a reader that stopped.
   */
  readerProgress(target: WriteTarget, intervalMs: number): ReaderProgress {
    const unsent = this.unsentBytes(target);
    const written = target.writtenBytes - target.checkedWritten;
    // Frames `ws` writes itself (pings, pongs) are not in `writtenBytes`: never below zero.
    const taken = Math.max(0, target.checkedUnsent + written - unsent);
    const stale = Math.max(0, target.checkedUnsent - taken);
    const pace = Math.max(taken / Math.max(1, intervalMs), target.takeRate / 2);
    target.checkedUnsent = unsent;
    target.checkedWritten = target.writtenBytes;
    target.takeRate = pace;
    return { unsent, stale, taken, pace };
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
