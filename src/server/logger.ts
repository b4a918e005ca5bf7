/** Log levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Where the server writes its logs: one structured event per call. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** True if `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(rank, value);
}

/**
 * A logger writing one JSON object per line (`{"time","level","event",...fields}`) to `write`,
 * dropping events below `level`.
 */
export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const min = rank[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, event: string, fields?: Record<string, unknown>) => {
    if (rank[lvl] < min) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, event, ...fields };
    // Errors do not serialise on their own; keep what helps an operator.
    for (const [k, v] of Object.entries(line)) {
      if (v instanceof Error) line[k] = { name: v.name, message: v.message, stack: v.stack };
    }
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (e, f) => emit("debug", e, f),
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
  };
}
