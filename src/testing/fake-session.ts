import { checkFields } from "../arguments.js";
import { Session } from "../session.js";

/** Who a fake session belongs to, and for how long it is valid. */
export interface FakeSessionOptions {
  /** @default "user-1" */
  userId?: string | undefined;
  /** @default "ada" */
  username?: string | undefined;
  /** Seconds until the session token expires. @default 3600 */
  expiresInSec?: number | undefined;
  /** Seconds until the refresh token expires. @default 86400 */
  refreshExpiresInSec?: number | undefined;
  /** Session variables (`session.vars`). @default {} */
  vars?: Record<string, string> | undefined;
}

const base64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/**
 * An unsigned JWT with herald's claims (`uid`, `usn`, `vrs`, `iat`, `exp`) plus `extra`. The SDK
 * reads tokens without verifying them, so this passes for a real one everywhere but on a real server.
 */
export function fakeToken(claims: Record<string, unknown>): string {
  return `${base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64Url(JSON.stringify(claims))}.ZmFrZQ`;
}

/** A session made locally, for connecting to the fake server without any REST call. */
export function fakeSession(options: FakeSessionOptions = {}): Session {
  checkFields("session", "userId:s username:s expiresInSec:t refreshExpiresInSec:t vars:o", options);
  const now = Math.floor(Date.now() / 1000);
  const userId = options.userId ?? "user-1";
  const username = options.username ?? "ada";
  const token = fakeToken({
    uid: userId,
    usn: username,
    vrs: options.vars ?? {},
    iat: now,
    exp: now + (options.expiresInSec ?? 3600),
  });
  const refreshToken = fakeToken({
    uid: userId,
    usn: username,
    iat: now,
    exp: now + (options.refreshExpiresInSec ?? 86_400),
  });
  return new Session(token, refreshToken);
}

/** The `uid` and `usn` claims of a token, or empty strings when it is not a readable JWT. */
export function tokenUser(token: string): { userId: string; username: string } {
  try {
    const part = (token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { uid?: unknown; usn?: unknown };
    return {
      userId: typeof claims.uid === "string" ? claims.uid : "",
      username: typeof claims.usn === "string" ? claims.usn : "",
    };
  } catch {
    return { userId: "", username: "" };
  }
}
