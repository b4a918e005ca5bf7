import { createHash, randomUUID } from "node:crypto";
import type { SessionInit } from "../../../gen/wire.js";
import type { Db } from "../../storage/database.js";
import { type TokenClaims, TokenSigner } from "./tokens.js";

/** Issues, checks and revokes session and refresh tokens. */
export class AuthService {
  private readonly session: TokenSigner;
  private readonly refresh: TokenSigner;
  /** Revoked token ids with their expiry (unix seconds); expired ones are pruned now and then. */
  private readonly revoked = new Map<string, number>();

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
    const rows = db.prepare("SELECT tid, exp FROM revoked_tokens").all() as { tid: string; exp: number }[];
    for (const { tid, exp } of rows) this.revoked.set(tid, exp);
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
  revoke(tid: string, tokenExp: number): void {
    // The session and refresh tokens of one sign-in share the id, so the revocation must outlive
    // the longer-lived refresh token, whichever of the two was presented.
    const exp = Math.max(tokenExp, Math.floor(Date.now() / 1000) + this.refreshExpirySec);
    const known = this.revoked.get(tid);
    if (known === undefined || known < exp) this.revoked.set(tid, exp);
    this.db
      .prepare(
        "INSERT OR REPLACE INTO revoked_tokens (tid, exp) VALUES (?, max(?, coalesce((SELECT exp FROM revoked_tokens WHERE tid = ?), 0)))",
      )
      .run(tid, exp, tid);
    // A token past its expiry is refused anyway; forgetting it keeps the list from growing forever.
    if (this.revoked.size % 1024 === 0) this.pruneExpired();
  }

  private pruneExpired(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [tid, exp] of this.revoked) if (exp <= now) this.revoked.delete(tid);
    this.db.prepare("DELETE FROM revoked_tokens WHERE exp <= ?").run(now);
  }

  /** Reads the claims of a token signed by either key, ignoring expiry problems only for revocation. */
  claimsOfAny(token: string): TokenClaims | undefined {
    return this.session.verify(token) ?? this.refresh.verify(token);
  }
}
