import { HeraldError } from "./errors.js";

interface Claims {
  uid?: unknown;
  usn?: unknown;
  vrs?: unknown;
  exp?: unknown;
  iat?: unknown;
}

// atob accepts unpadded base64 (the HTML spec's forgiving decoder; Node's too). UTF-8 is decoded
// through percent-escapes because TextDecoder is missing on some React Native engines.
const base64UrlToText = (part: string) =>
  decodeURIComponent(
    Array.from(
      atob(part.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    ).join(""),
  );

// Tokens are read, not verified: the server verifies them, the client only needs their claims.
function readClaims(token: string, what: string): Claims {
  // Storage hands back null or undefined when nothing was stored: refused as not a JWT, not a TypeError.
  const payload = typeof token === "string" && token.split(".")[1];
  if (!payload) throw new HeraldError("bad_input", `${what} is not a JWT`);
  try {
    return { ...JSON.parse(base64UrlToText(payload)) } as Claims;
  } catch (cause) {
    throw new HeraldError("bad_input", `${what} has an unreadable payload`, { cause });
  }
}

// An expiry past what a Date holds (an Invalid Date) would never read as expired: read as none.
const secondsToDate = (v: unknown, d = new Date((v as number) * 1000)) =>
  typeof v === "number" && Number.isFinite(+d) ? d : undefined;

/**
 * The token a server refused (401) though the device's clock called it valid, per session: the
 * Client refreshes such a session at the next chance, whatever that clock says.
 */
export const refusedTokens = new WeakMap<Session, string>();

/**
 * A signed-in user's credentials: the session token (sent with every call) and the refresh token
 * (traded for a new session token when it expires). The Client refreshes a session in place, so
 * one Session object stays valid for as long as its refresh token does.
 */
export class Session {
  /** The session token (a JWT). */
  token = "";
  /** The refresh token (a JWT), or "" if the server sent none. */
  refreshToken = "";
  /** True when the authentication that made this session created the user. */
  readonly created: boolean;
  /** The user's id. */
  userId = "";
  /** The user's username when the token was issued. */
  username = "";
  /** Variables stored in the token at authentication. */
  vars: Record<string, string> = {};
  /** When the session token expires. */
  expiresAt: Date = new Date(0);
  /** When the session token was issued, if the token says. */
  issuedAt: Date | undefined;
  /** When the refresh token expires (undefined without a refresh token). */
  refreshExpiresAt: Date | undefined;

  /** Reads both tokens. Throws HeraldError `bad_input` if the session token is not a JWT. */
  constructor(token: string, refreshToken: string, created = false) {
    this.created = created;
    this.update(token, refreshToken);
  }

  /** A session from stored tokens, e.g. saved from `token` and `refreshToken` at a previous launch. */
  static restore(token: string, refreshToken: string): Session {
    return new Session(token, refreshToken);
  }

  /**
   * Replaces the tokens (the Client calls this when it refreshes the session). An empty
   * `refreshToken` keeps the current one, as servers may not rotate it.
   */
  update(token: string, refreshToken: string): void {
    const claims = readClaims(token, "session token");
    const expiresAt = secondsToDate(claims.exp);
    if (!expiresAt) throw new HeraldError("bad_input", "session token has no expiry (exp)");
    // Both tokens read before the session token is kept: one that cannot be read changes nothing.
    if (refreshToken) {
      this.refreshExpiresAt = secondsToDate(readClaims(refreshToken, "refresh token").exp);
      this.refreshToken = refreshToken;
    }
    this.token = token;
    this.userId = typeof claims.uid === "string" ? claims.uid : "";
    this.username = typeof claims.usn === "string" ? claims.usn : "";
    this.vars = { ...(claims.vrs as Record<string, string> | undefined) };
    this.expiresAt = expiresAt;
    this.issuedAt = secondsToDate(claims.iat);
  }

  /** True if the session token has expired at `at` (a Date or epoch milliseconds; default now). */
  isExpired(at: Date | number = Date.now()): boolean {
    return this.expiresAt.getTime() <= +at;
  }

  /** True if the refresh token has expired at `at` (or there is none). */
  isRefreshExpired(at: Date | number = Date.now()): boolean {
    return this.refreshExpiresAt === undefined || this.refreshExpiresAt.getTime() <= +at;
  }
}
