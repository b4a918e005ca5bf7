import { createHash, timingSafeEqual } from "node:crypto";

/** Wrong credentials accepted from one address per window before it must wait. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;

/** What checking a request's credential found. */
export type CredentialCheck =
  | { ok: true }
  | { ok: false; reason: "missing" | "invalid" }
  | { ok: false; reason: "locked"; retryAfterSec: number };

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Checks `Authorization: Bearer CREDENTIAL` against the operator credential, in constant time,
 * and slows guessing down: after too many wrong tries an address is refused for a minute.
 */
export class OperatorCredential {
  private readonly expected: Buffer;
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(credential: string) {
    this.expected = digest(credential);
  }

  check(authorization: string | undefined, remote: string, now = Date.now()): CredentialCheck {
    const record = this.failures.get(remote);
    if (record !== undefined && now - record.since >= WINDOW_MS) this.failures.delete(remote);
    const current = this.failures.get(remote);
    if (current !== undefined && current.count >= MAX_FAILURES) {
      return {
        ok: false,
        reason: "locked",
        retryAfterSec: Math.ceil((current.since + WINDOW_MS - now) / 1000),
      };
    }
    if (authorization === undefined || !authorization.startsWith("Bearer ")) {
      return { ok: false, reason: "missing" };
    }
    if (timingSafeEqual(digest(authorization.slice(7).trim()), this.expected)) return { ok: true };
    if (current === undefined) {
      // Bounded: forget everyone when too many addresses are being tracked.
      if (this.failures.size > 10_000) this.failures.clear();
      this.failures.set(remote, { count: 1, since: now });
    } else current.count += 1;
    return { ok: false, reason: "invalid" };
  }
}
