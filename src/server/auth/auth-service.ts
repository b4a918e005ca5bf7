import { createHash, randomUUID } from "node:crypto";
import type { SessionInit } from "../../gen/wire.js";
import type { Db } from "../storage/database.js";
import { type TokenClaims, TokenSigner } from "./tokens.js";

/** Issues, checks and revokes session and refresh tokens. */
export class AuthService {
  private readonly session: TokenSigner;
  private readonly refresh: TokenSigner;
  private readonly revoked = new Set<string>();

  constructor(
    private readonly db: Db,
    secret: string,
    private readonly tokenExpirySec: number,
    private readonly refreshExpirySec: number,
  ) {
    this.session = new TokenSigner(secret);
    // A refresh token must never pass as a session token, so it is signed with a derived key.
    this.refresh = new TokenSigner(createHash("sha256").update(`refresh:${secret}`).digest("base64url"));
    const now = Math.floor(Date.now() / 1000);
    db.prepare("DELETE FROM revoked_tokens WHERE exp <= ?").run(now);
    for (const tid of db.prepare("SELECT tid FROM revoked_tokens").pluck().all() as string[])
      this.revoked.add(tid);
  }

  /** A new session for a user: a session token and a refresh token sharing one token id. */
  issue(user: { id: string; username: string }, vars: Record<string, string>, created: boolean): SessionInit {
    const tid = randomUUID();
    const claims = { uid: user.id, usn: user.username, vrs: vars };
    return {
      created,
      token: this.session.sign(claims, this.tokenExpirySec, tid),
      refreshToken: this.refresh.sign(claims, this.refreshExpirySec, tid),
    };
  }

  /** A new session token for a valid refresh token (the refresh token stays the same). */
  reissue(
    refreshToken: string,
    user: { id: string; username: string },
    vars: Record<string, string>,
    tid: string,
  ): SessionInit {
    return {
      created: false,
      token: this.session.sign({ uid: user.id, usn: user.username, vrs: vars }, this.tokenExpirySec, tid),
      refreshToken,
    };
  }

  /** The claims of a valid, unrevoked session token. */
  verifySession(token: string): TokenClaims | undefined {
    const claims = this.session.verify(token);
    return claims !== undefined && !this.revoked.has(claims.tid) ? claims : undefined;
  }

  /** The claims of a valid, unrevoked refresh token. */
  verifyRefresh(token: string): TokenClaims | undefined {
    const claims = this.refresh.verify(token);
    return claims !== undefined && !this.revoked.has(claims.tid) ? claims : undefined;
  }

  /** Revokes every token with this id (a session token and its refresh token). */
  revoke(tid: string, exp: number): void {
    this.revoked.add(tid);
    this.db.prepare("INSERT OR IGNORE INTO revoked_tokens (tid, exp) VALUES (?, ?)").run(tid, exp);
  }

  /** Reads the claims of a token signed by either key, ignoring expiry problems only for revocation. */
  claimsOfAny(token: string): TokenClaims | undefined {
    return this.session.verify(token) ?? this.refresh.verify(token);
  }
}
