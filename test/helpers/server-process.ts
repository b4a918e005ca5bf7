// Throwaway server programs for tests (PostgreSQL, redis-server): a free port, a temporary
// folder, a child process that is known ready before a test uses it and killed if a run ends
// abruptly.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** What a server program says when its port was taken (PostgreSQL, redis-server). */
const PORT_TAKEN = /address already in use|could not bind|could not create any TCP\/IP sockets/i;

/**
 * Runs `start` on a free port and resolves with the port. A port is free when picked but may be
 * taken before the program binds it (by another program, or by an outgoing connection of this
 * machine's many tests); then `start` runs again on another, up to three times in all.
 */
export async function onFreePort(start: (port: number) => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await start(port);
      return port;
    } catch (error) {
      if (attempt >= 3 || !PORT_TAKEN.test(String(error))) throw error;
    }
  }
}

/** A fresh temporary folder named `herald-<name>-XXXXXX`; the caller removes it. */
export function tempFolder(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `herald-${name}-`));
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that ends abruptly must not leave servers behind.
  process.on("exit", () => {
    for (const c of running) c.kill("SIGKILL");
  });
}

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** What the program prints (stdout or stderr) once it serves clients. */
  ready: RegExp;
  /** The program's name and port, for error messages. */
  what: string;
  /** @default 20000 */
  timeoutMs?: number;
}

/**
 * Spawns a server program and resolves once its output matches `ready`; fails with what it printed
 * when it exits or is not ready in time. Its output keeps being drained (so that a chatty server
 * never blocks on a full pipe), and it is killed when the test process exits. The child does not
 * keep the test process alive.
 */
export async function startServerProcess(
  exe: string,
  args: readonly string[],
  options: ServerProcessOptions,
): Promise<ChildProcess> {
  const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
  killOnExit(child);
  let log = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`${options.what} did not start within ${options.timeoutMs ?? 20_000} ms:\n${log}`),
          ),
        options.timeoutMs ?? 20_000,
      );
      const onData = (d: Buffer) => {
        // Bounded: only the start-up is worth showing in an error.
        if (log.length < 20_000) log += d.toString();
        if (options.ready.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`${options.what} could not be started: ${error.message}`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.what} exited (${code}) before it was ready:\n${log}`));
      });
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  child.unref();
  for (const stream of [child.stdout, child.stderr] as { unref?: () => void }[]) stream?.unref?.();
  return child;
}
