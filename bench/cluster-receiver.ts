// A WebSocket receiver for fan-out benchmarks that costs the load generator next to nothing: a raw
// TCP socket that makes the HTTP upgrade itself, parses frames only while it sets up (joins,
// follows), then only counts the data frames it receives, reading their headers and skipping
// their payloads without copying them.
//
// Counting is cheap per frame; what costs is a read per frame. A receiver that reads as soon as
// data arrives wakes up once per delivery (an epoll wake-up, a read syscall, a JS callback: over
// a microsecond each on this kind of machine), as much CPU as a node spends to send it. So once
// counting, a receiver stops reading after each read and all of them are read again together on a
// timer: between two reads the kernel holds the frames, and one read carries the tens of frames
// that arrived meanwhile. The server's writes must never back up (a full receive window would make
// the server buffer and poll for writability: the benchmark would measure a slow reader), so the
// interval is short, and a receiver whose read was large (the generator fell behind, the kernel
// holds much) keeps reading as data arrives until its reads are small again. The largest read is
// recorded so a run can show how far from the kernel's receive buffer it stayed.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

/**
 * One buffer for every receiver's reads: a read callback consumes it before it returns (what must
 * outlive it, an unfinished header or setup frame, is copied), and callbacks never overlap.
 * Far larger than what a receiver gets between two timer reads, so a read drains the socket.
 */
const READ_BUFFER = Buffer.allocUnsafe(1024 * 1024);

/**
 * A read at least this large does not pause its receiver: the kernel held that much, so it could
 * soon hold a receive window's worth (about 64 KiB with Linux's default 128 KiB buffer).
 */
const KEEP_READING_FROM = 24 * 1024;

/** A client frame: masked as clients must, with a zero mask (the payload crosses as it is). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(out, head + 4);
  return out;
}

/** Read statistics of the counting receivers of this process, since {@link CountingReceiver.resetStats}. */
export interface ReadStats {
  /** Reads that carried data while counting. */
  reads: number;
  /** The largest read, in bytes. */
  largestRead: number;
  /** Reads large enough that their receiver kept reading as data arrives. */
  largeReads: number;
  /** Data frames counted. */
  frames: number;
}

/** A receiver that counts the data frames the server sends it (see the file comment). */
export class CountingReceiver {
  /** Data frames received since {@link startCounting}. */
  count = 0;
  /** The close code the server sent (1013: closed as a slow reader), once it closed the socket. */
  closeCode: number | undefined;
  private counting = false;
  /** Set once the HTTP upgrade is answered; frames follow. */
  private upgraded = false;
  private head = Buffer.alloc(0);
  private pending: Buffer | undefined;
  /** Payload bytes of the current frame still to skip (counting mode). */
  private skip = 0;
  private readonly waiters = new Map<string, (text: string) => void>();

  /** Counting receivers that stopped reading after their last read, to be read on the next tick. */
  private static readonly paused = new Set<CountingReceiver>();
  private static timer: NodeJS.Timeout | undefined;
  private static intervalMs = 20;
  private static stats: ReadStats = { reads: 0, largestRead: 0, largeReads: 0, frames: 0 };

  private constructor(
    private readonly socket: Socket,
    /** Set by `open`'s `maxRead`: one read of at most that many bytes per interval, large or not. */
    private readonly steady = false,
  ) {}

  /**
   * How often paused counting receivers read what arrived meanwhile; 0 reads as soon as data
   * arrives (one read per frame or so: the costly way, kept to compare).
   * @default 20
   */
  static setReadInterval(ms: number): void {
    CountingReceiver.intervalMs = ms;
    CountingReceiver.flush();
    if (CountingReceiver.timer !== undefined) clearInterval(CountingReceiver.timer);
    CountingReceiver.timer = undefined;
    if (ms > 0) {
      CountingReceiver.timer = setInterval(CountingReceiver.flush, ms);
      CountingReceiver.timer.unref();
    }
  }

  /** Lets every paused receiver read now (a run calls it while it waits for the last frames). */
  static flush(): void {
    for (const r of CountingReceiver.paused) r.socket.resume();
    CountingReceiver.paused.clear();
  }

  /**
   * Resolves once `receivers` have received nothing for `quietMs` (reading as they go): what setup
   * left on the way (other members' join events) is then not counted by the first measurement.
   */
  static async settle(receivers: CountingReceiver[], quietMs = 100): Promise<void> {
    const total = () => receivers.reduce((sum, r) => sum + r.count, 0);
    for (;;) {
      const before = total();
      CountingReceiver.flush();
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      CountingReceiver.flush();
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (total() === before) return;
    }
  }

  /** The read statistics so far. */
  static readStats(): ReadStats {
    return { ...CountingReceiver.stats };
  }

  /** Starts the read statistics afresh. */
  static resetStats(): void {
    CountingReceiver.stats = { reads: 0, largestRead: 0, largeReads: 0, frames: 0 };
  }

  /**
   * Connects to `url` (http://host:port) and upgrades `path` to a WebSocket. With `maxRead`, the
   * receiver reads at a steady pace once counting: at most `maxRead` bytes per read interval, as a
   * client on a slow link would (tests use it for a reader that is behind yet keeps reading).
   */
  static open(url: string, path: string, options: { maxRead?: number } = {}): Promise<CountingReceiver> {
    const { hostname, port } = new URL(url);
    let receiver: CountingReceiver | undefined;
    const socket = connect({
      port: Number(port),
      host: hostname,
      onread: {
        buffer: options.maxRead === undefined ? READ_BUFFER : Buffer.allocUnsafe(options.maxRead),
        // Returning false stops reading until the next tick resumes the socket.
        callback: (n: number, buf: Uint8Array) => receiver?.onRead(n, buf) ?? true,
      },
    });
    socket.setNoDelay(true);
    receiver = new CountingReceiver(socket, options.maxRead !== undefined);
    if (CountingReceiver.timer === undefined && CountingReceiver.intervalMs > 0)
      CountingReceiver.setReadInterval(CountingReceiver.intervalMs);
    const r = receiver;
    return new Promise((resolve, reject) => {
      r.onUpgraded = (error) => {
        socket.off("error", reject);
        if (error !== undefined) {
          socket.destroy();
          reject(error);
          return;
        }
        socket.on("error", () => {});
        // Cut without a close frame: a node that terminated it, or one that died.
        socket.on("close", () => {
          r.closeCode ??= 1006;
        });
        resolve(r);
      };
      socket.once("error", reject);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  private onUpgraded: (error?: Error) => void = () => {};

  /** Sends a JSON envelope with a `cid` and resolves with the reply's text (setup only). */
  call(cid: string, body: Record<string, unknown>): Promise<string> {
    return new Promise((resolve) => {
      this.waiters.set(cid, resolve);
      this.socket.write(clientFrame(OP_TEXT, Buffer.from(JSON.stringify({ cid, ...body }))));
    });
  }

  /** Sends the JSON envelope `body` (no `cid`: no reply is awaited) `times` times, in one write. */
  sendMany(body: Record<string, unknown>, times: number): void {
    const frame = clientFrame(OP_TEXT, Buffer.from(JSON.stringify(body)));
    this.socket.write(Buffer.concat(Array.from({ length: times }, () => frame)));
  }

  /** From now on, frames are only counted. */
  startCounting(): void {
    this.counting = true;
    this.count = 0;
  }

  close(): void {
    CountingReceiver.paused.delete(this);
    this.socket.destroy();
  }

  /** One read of `n` bytes into the shared buffer; false pauses the socket until the next tick. */
  private onRead(n: number, shared: Uint8Array): boolean {
    const chunk = Buffer.from(shared.buffer, shared.byteOffset, n);
    if (!this.upgraded) {
      this.handshake(chunk);
      return true;
    }
    const before = this.count;
    this.onData(chunk);
    if (!this.counting) return true;
    const stats = CountingReceiver.stats;
    stats.reads += 1;
    stats.frames += this.count - before;
    if (n > stats.largestRead) stats.largestRead = n;
    // Reading as data arrives: counted too, to show how many frames a read carries that way.
    if (CountingReceiver.intervalMs <= 0) return true;
    if (n >= KEEP_READING_FROM && !this.steady) {
      stats.largeReads += 1;
      return true;
    }
    CountingReceiver.paused.add(this);
    return false;
  }

  private handshake(chunk: Buffer): void {
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf("\r\n\r\n");
    if (end < 0) return;
    const status = this.head.subarray(0, this.head.indexOf("\r\n")).toString();
    if (!status.includes(" 101 ")) {
      this.onUpgraded(new Error(`upgrade refused: ${status}`));
      return;
    }
    this.upgraded = true;
    const rest = this.head.subarray(end + 4);
    this.head = Buffer.alloc(0);
    this.onUpgraded();
    if (rest.length > 0) this.onData(rest);
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.skip -= n;
      off = n;
    }
    while (buf.length - off >= 2) {
      const opcode = (buf[off] as number) & 0x0f;
      const len7 = (buf[off + 1] as number) & 0x7f;
      let head = 2;
      let len = len7;
      if (len7 === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        head = 4;
      } else if (len7 === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        head = 10;
      }
      const available = buf.length - off - head;
      if (this.counting && (opcode === OP_TEXT || opcode === OP_BINARY)) {
        this.count += 1;
        if (available < len) {
          this.skip = len - available;
          off = buf.length;
          break;
        }
        off += head + len;
        continue;
      }
      if (available < len) break;
      this.control(opcode, buf.subarray(off + head, off + head + len));
      off += head + len;
    }
    // Copied: the read buffer is shared. Only a header's few bytes, or (while setting up) one
    // unfinished frame, are kept.
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
  }

  private control(opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) this.socket.write(clientFrame(OP_PONG, Buffer.from(payload)));
    else if (opcode === OP_CLOSE) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.socket.end();
    } else if (opcode === OP_TEXT) {
      const m = /"cid":"([^"]+)"/.exec(payload.toString("utf8"));
      const waiter = m?.[1] === undefined ? undefined : this.waiters.get(m[1]);
      if (waiter !== undefined && m?.[1] !== undefined) {
        this.waiters.delete(m[1]);
        waiter(payload.toString("utf8"));
      }
    }
  }
}
