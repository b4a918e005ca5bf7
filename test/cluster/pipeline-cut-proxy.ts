// A TCP proxy in front of a Redis that can hold what clients send (a blackhole), and can cut a
// connection in the middle of a pipeline: it lets the
// first commands of the next batch of publishes through, waits until Redis has answered them,
// passes those replies on, and then closes both sides, so that the rest never reaches Redis. That is
// a cut that leaves a pipeline partly answered, which CLIENT KILL from another connection makes only
// by chance (Redis reads a pipeline in 16 KiB parts, and the kill must fall between two).

import net from "node:net";

/** A proxy started by {@link startPipelineCutProxy}. */
export interface PipelineCutProxy {
  readonly port: number;
  /** How many cuts have been made. */
  readonly cuts: number;
  /**
   * Cuts the connection that next sends at least two publishes in one go, after Redis has answered
   * the first half of them. Resolves once that cut is made.
   */
  cutNextPipeline(): Promise<void>;
  /** Closes every connection now. */
  cutAll(): void;
  /**
   * Passes nothing from the clients to Redis (new connections included: their handshake goes
   * unanswered) until {@link PipelineCutProxy.release}, which passes it all on, in order.
   */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/**
 * The length of the RESP value at `offset` in `buf` (a command, an array of bulk strings, or any
 * reply), or -1 when it is not all there yet.
 */
function respLength(buf: Buffer, offset: number): number {
  const eol = buf.indexOf("\r\n", offset);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const head = eol + 2 - offset;
  // Simple values of RESP2 and RESP3.
  if ("+-:_#,(".includes(type)) return head;
  const n = Number(buf.toString("latin1", offset + 1, eol));
  // Strings.
  if ("$=!".includes(type)) {
    if (n < 0) return head;
    return buf.length >= eol + 2 + n + 2 ? head + n + 2 : -1;
  }
  // Aggregates: arrays, sets and pushes of n values; maps and attributes of n pairs.
  if ("*~>%|".includes(type)) {
    const count = n < 0 ? 0 : "%|".includes(type) ? 2 * n : n;
    let at = eol + 2;
    for (let i = 0; i < count; i++) {
      const len = at < buf.length ? respLength(buf, at) : -1;
      if (len < 0) return -1;
      at += len;
    }
    return at - offset;
  }
  throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
}

/** Splits the complete RESP values off the front of `buf`; returns them and what is left. */
function splitValues(buf: Buffer): { values: Buffer[]; rest: Buffer } {
  const values: Buffer[] = [];
  let at = 0;
  for (;;) {
    const len = at < buf.length ? respLength(buf, at) : -1;
    if (len < 0) break;
    values.push(buf.subarray(at, at + len));
    at += len;
  }
  return { values, rest: buf.subarray(at) };
}

/** Whether a command (RESP array) is a PUBLISH. */
function isPublish(command: Buffer): boolean {
  return /^\*\d+\r\n\$7\r\npublish\r\n/i.test(command.toString("latin1", 0, 32));
}

/** Starts a {@link PipelineCutProxy} on an ephemeral port in front of `127.0.0.1:target`. */
export async function startPipelineCutProxy(target: number): Promise<PipelineCutProxy> {
  let cuts = 0;
  let armed: (() => void) | undefined;
  const sockets = new Set<net.Socket>();
  let holding = false;
  /** What each held connection does with its backlog on release. */
  const resumes = new Set<() => void>();

  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);

    let fromClient: Buffer = Buffer.alloc(0);
    let fromServer: Buffer = Buffer.alloc(0);
    let forwarded = 0;
    let answered = 0;
    /** While cutting: the replies to wait for, and what to do once they are there. */
    let cutAt: { replies: number; done: () => void } | undefined;

    const backlog: Buffer[] = [];
    const resume = () => {
      resumes.delete(resume);
      for (const chunk of backlog.splice(0)) onClientData(chunk);
    };
    client.on("data", (chunk: Buffer) => {
      if (holding) {
        backlog.push(chunk);
        resumes.add(resume);
      } else onClientData(chunk);
    });
    const onClientData = (chunk: Buffer) => {
      if (cutAt !== undefined || client.destroyed) return;
      const { values, rest } = splitValues(Buffer.concat([fromClient, chunk]));
      fromClient = rest;
      let pass = values;
      const done = armed;
      if (done !== undefined && values.length >= 2 && values.every(isPublish)) {
        armed = undefined;
        pass = values.slice(0, Math.floor(values.length / 2));
        cutAt = { replies: forwarded + pass.length, done };
      }
      forwarded += pass.length;
      if (pass.length > 0) upstream.write(Buffer.concat(pass));
    };

    upstream.on("data", (chunk: Buffer) => {
      const { values, rest } = splitValues(Buffer.concat([fromServer, chunk]));
      fromServer = rest;
      answered += values.length;
      if (values.length > 0) client.write(Buffer.concat(values));
      if (cutAt !== undefined && answered >= cutAt.replies) {
        const { done } = cutAt;
        // The replies go out first, then the connection closes.
        client.end(() => {
          closeBoth();
          cuts += 1;
          done();
        });
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    get cuts() {
      return cuts;
    },
    cutNextPipeline: () =>
      new Promise<void>((resolve) => {
        armed = resolve;
      }),
    cutAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const resume of [...resumes]) resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
