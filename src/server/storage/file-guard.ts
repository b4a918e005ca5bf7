import { statSync } from "node:fs";
import { HeraldError } from "../../errors.js";

/** Options of {@link FileGuard}. */
export interface FileGuardOptions {
  /**
   * How often the file is checked while nothing is written, so a lost file is logged (and the
   * health route fails) without waiting for the next write. 0 turns the periodic check off.
   * @default 1000
   */
  checkIntervalMs?: number;
  /** Told once, when the file is found gone or replaced. @default does nothing */
  onLost?: (err: HeraldError) => void;
}

/** The identity of a file on disk, or undefined when nothing is at the path. */
function identity(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Watches that the database file at `path` (and its write-ahead log, `-wal`) is still the file the
 * server opened. SQLite keeps
 * writing to an open file after it was deleted (or replaced by another), and all of that would be
 * lost at the next start; once the path no longer names the opened file, every write is refused
 * with `unavailable` so that nothing is acknowledged that is not durable. The check is a `stat`
 * of each path, made after each write (once per batch of message inserts) and periodically.
 */
export class FileGuard {
  readonly #path: string;
  /** The identities of the database file and its write-ahead log, as opened. */
  readonly #opened: (string | undefined)[];
  readonly #onLost: (err: HeraldError) => void;
  readonly #timer: NodeJS.Timeout | undefined;
  #lost: HeraldError | undefined;

  constructor(path: string, options: FileGuardOptions = {}) {
    this.#path = path;
    // The log holds every commit not yet copied into the file: losing it loses them as surely.
    this.#opened = [identity(path), identity(`${path}-wal`)];
    this.#onLost = options.onLost ?? (() => {});
    const every = options.checkIntervalMs ?? 1000;
    if (every > 0) {
      this.#timer = setInterval(() => this.check(), every);
      this.#timer.unref();
    }
  }

  /** Checks the path now; the refusal every write gets from now on if the file is gone, else undefined. */
  check(): HeraldError | undefined {
    if (this.#lost !== undefined) return this.#lost;
    let changed: string | undefined;
    let gone = false;
    for (const [i, suffix] of ["", "-wal"].entries()) {
      const opened = this.#opened[i];
      if (opened === undefined) continue;
      const now = identity(`${this.#path}${suffix}`);
      if (now === opened) continue;
      changed = `${this.#path}${suffix}`;
      gone = now === undefined;
      break;
    }
    if (changed === undefined) return undefined;
    // Clients are told what happened, not where: the server's paths are its own (its log has them).
    const which = changed.endsWith("-wal") ? "database's write-ahead log" : "database file";
    this.#lost = new HeraldError(
      "unavailable",
      `Storage unavailable: the ${which} was ${gone ? "deleted" : "replaced"} while the server ran, so nothing more can be stored; restart the server`,
    );
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#onLost(this.#lost);
    return this.#lost;
  }

  /** Throws the refusal if the file was already found lost (without checking again). */
  assertWritable(): void {
    if (this.#lost !== undefined) throw this.#lost;
  }

  /** Stops the periodic check. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
