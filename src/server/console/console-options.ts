import { isIP } from "node:net";
import { HeraldError } from "../../errors.js";

/** The operator credential used when none is configured; accepted only on loopback addresses. */
export const DEFAULT_CONSOLE_CREDENTIAL = "herald-dev-console";

/** Options of the operator console (`ServerOptions.console`). */
export interface ConsoleOptions {
  /**
   * The operator credential the console asks for (sent as `Authorization: Bearer CREDENTIAL`).
   * Without one the console uses {@link DEFAULT_CONSOLE_CREDENTIAL}, and only while the server
   * listens on a loopback address: on any other address the console stays off until a credential
   * is set here (the server itself still starts).
   * @default "herald-dev-console" on loopback addresses; none (console off) elsewhere
   */
  credential?: string | undefined;
  /** Envelopes kept for the message inspector (oldest dropped first). @default 500 */
  inspectorSize?: number | undefined;
}

/**
 * Checks the `console` option before the server opens anything: a NaN or fractional
 * `inspectorSize` made `createServer` fail with a RangeError, a string one was taken as a number,
 * a negative one silently kept one entry, and a credential that is no string failed with a
 * TypeError. Throws HeraldError `bad_input` naming the option.
 */
export function checkConsoleOptions(options: unknown): void {
  if (options === undefined || options === false) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new HeraldError("bad_input", "console must be an object ({ credential, inspectorSize }) or false");
  }
  const { credential, inspectorSize } = options as Record<string, unknown>;
  if (credential !== undefined && typeof credential !== "string") {
    throw new HeraldError("bad_input", `console.credential must be a string, got ${typeof credential}`);
  }
  if (
    inspectorSize !== undefined &&
    !(Number.isSafeInteger(inspectorSize) && (inspectorSize as number) >= 1)
  ) {
    throw new HeraldError(
      "bad_input",
      `console.inspectorSize must be a whole number, 1 or more, got ${typeof inspectorSize === "number" ? inspectorSize : typeof inspectorSize}`,
    );
  }
}

/** Whether and how the console may be used, decided once at start. */
export type ConsoleAccess =
  | { enabled: true; credential: string; isDefault: boolean }
  | { enabled: false; reason: string };

/** Shortest credential accepted when one is set explicitly. */
export const MIN_CREDENTIAL_LENGTH = 8;

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h === "::1") return true;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && (mapped[1] ?? "").startsWith("127.");
}

/**
 * Decides the console's access: an explicit credential works on any address; the default one only
 * on loopback, because anyone who can reach the port could guess it.
 */
export function resolveConsoleAccess(host: string, options: ConsoleOptions): ConsoleAccess {
  const credential = options.credential;
  if (credential !== undefined && credential !== "") {
    if (credential.length < MIN_CREDENTIAL_LENGTH) {
      return {
        enabled: false,
        reason: `The console credential must be at least ${MIN_CREDENTIAL_LENGTH} characters long`,
      };
    }
    return { enabled: true, credential, isDefault: false };
  }
  if (isLoopbackHost(host)) return { enabled: true, credential: DEFAULT_CONSOLE_CREDENTIAL, isDefault: true };
  return {
    enabled: false,
    reason: `The console is off: the server listens on ${host}, which is not a loopback address, and no operator credential is set (--console-credential or HERALD_CONSOLE_CREDENTIAL)`,
  };
}
