// Preloaded into a benchmark node (`node --import`) when BENCH_TRACE names a folder: every
// BENCH_TRACE_MS (100) it appends one line to <folder>/<pid>.jsonl with what the node holds and how
// its event loop fares, read from the outside of the server's code so the probe cannot change what
// it measures:
// - t: ms since the probe started (performance.timeOrigin based, comparable across processes);
// - delayMax / delayP99: the event loop's delay over the interval (ms);
// - sockets: accepted sockets still open; buffered / bufferedMax: the bytes their writes hold in
//   the process (written, not yet taken by the kernel), in total and for the fullest socket;
// - inBytes: bytes the process read from its client sockets to Redis, so far (their rate shows
//   when a stalled loop takes a backlog of pub/sub messages in a lump).
import { appendFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";

const dir = process.env.BENCH_TRACE;
if (dir !== undefined && dir !== "") {
  const every = Number(process.env.BENCH_TRACE_MS ?? 100);
  const file = path.join(dir, `${process.pid}.jsonl`);
  const accepted = new Set();
  const outgoing = new Set();
  const emit = net.Server.prototype.emit;
  net.Server.prototype.emit = function (event, ...args) {
    if (event === "connection") {
      const socket = args[0];
      accepted.add(socket);
      socket.once("close", () => accepted.delete(socket));
    }
    return emit.call(this, event, ...args);
  };
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const options = args[0];
    // Redis clients connect to its port; BENCH_TRACE_REDIS_PORT names it.
    const port = typeof options === "object" && options !== null ? Number(options.port) : Number(options);
    if (port === Number(process.env.BENCH_TRACE_REDIS_PORT)) outgoing.add(this);
    return connect.apply(this, args);
  };
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.timeOrigin + performance.now();
  const timer = setInterval(() => {
    let buffered = 0;
    let bufferedMax = 0;
    for (const socket of accepted) {
      const n = socket.writableLength;
      buffered += n;
      if (n > bufferedMax) bufferedMax = n;
    }
    let inBytes = 0;
    for (const socket of outgoing) inBytes += socket.bytesRead;
    const line = {
      t: Math.round(performance.timeOrigin + performance.now() - start),
      at: Date.now(),
      delayMax: Math.round(delay.max / 1e5) / 10,
      delayP99: Math.round(delay.percentile(99) / 1e5) / 10,
      sockets: accepted.size,
      buffered,
      bufferedMax,
      inBytes,
    };
    delay.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, every);
  timer.unref();
}
