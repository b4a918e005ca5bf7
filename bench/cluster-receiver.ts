// A WebSocket receiver for fan-out benchmarks that costs the load generator next to nothing: a raw
// TCP socket that makes the HTTP upgrade itself, parses frames only while it sets up (joins,
// follows), then only counts the data frames it receives, reading their headers and skipping
// their payloads without copying them. Hundreds of these leave the generator's CPU to the few
// receivers that parse every frame for latency.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

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

/** A receiver that counts the data frames the server sends it (see the file comment). */
export class CountingReceiver {
  /** Data frames received since {@link startCounting}. */
  count = 0;
  private counting = false;
  private pending: Buffer | undefined;
  /** Payload bytes of the current frame still to skip (counting mode). */
  private skip = 0;
  private readonly waiters = new Map<string, (text: string) => void>();

  private constructor(private readonly socket: Socket) {}

  /** Connects to `url` (http://host:port) and upgrades `path` to a WebSocket. */
  static open(url: string, path: string): Promise<CountingReceiver> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.setNoDelay(true);
    const receiver = new CountingReceiver(socket);
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        socket.off("error", reject);
        const status = head.subarray(0, head.indexOf("\r\n")).toString();
        if (!status.includes(" 101 ")) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        socket.on("data", (d: Buffer) => receiver.onData(d));
        socket.on("error", () => {});
        if (end + 4 < head.length) receiver.onData(head.subarray(end + 4));
        resolve(receiver);
      };
      socket.on("data", onData);
      socket.once("error", reject);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  /** Sends a JSON envelope with a `cid` and resolves with the reply's text (setup only). */
  call(cid: string, body: Record<string, unknown>): Promise<string> {
    return new Promise((resolve) => {
      this.waiters.set(cid, resolve);
      this.socket.write(clientFrame(OP_TEXT, Buffer.from(JSON.stringify({ cid, ...body }))));
    });
  }

  /** From now on, frames are only counted. */
  startCounting(): void {
    this.counting = true;
    this.count = 0;
  }

  close(): void {
    this.socket.destroy();
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
    // Only a header's few bytes, or (while setting up) one unfinished frame, are kept.
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
  }

  private control(opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) this.socket.write(clientFrame(OP_PONG, Buffer.from(payload)));
    else if (opcode === OP_CLOSE) this.socket.end();
    else if (opcode === OP_TEXT) {
      const m = /"cid":"([^"]+)"/.exec(payload.toString("utf8"));
      const waiter = m?.[1] === undefined ? undefined : this.waiters.get(m[1]);
      if (waiter !== undefined && m?.[1] !== undefined) {
        this.waiters.delete(m[1]);
        waiter(payload.toString("utf8"));
      }
    }
  }
}
