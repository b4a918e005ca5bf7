import { createHash, randomUUID } from "node:crypto";
import type { SessionInit } from "../../../gen/wire.js";
import type { AsyncTokenStore } from "../../storage/async-storage.js";
import { type TokenClaims, TokenSigner } from "./tokens.js";

/**
 * Issues, checks and revokes session and refresh tokens. Revocations are kept in storage and
 * cached here; when storage is shared with other servers (`shared`), a token not revoked here is
 * also looked up there, so a logout on one server holds on all of them.
 */
export class AuthService {
  private readonly session: TokenSigner;
  private readonly refresh: TokenSigner;
  /** Revoked token ids with their expiry (unix seconds); expired ones are pruned now and then. */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly tokens: AsyncTokenStore,
    secret: string,
    private readonly tokenExpirySec: number,
    private readonly refreshExpirySec: number,
    private readonly shared = false,
  ) {
    this.session = new TokenSigner(secret);
    // A refresh token must never pass as a session token, so it is signed with a derived key.
    this.refresh = new TokenSigner(createHash("sha256").update(`refresh:${secret}`).digest("base64url"));
  }

  /** Loads the stored revocations (forgetting expired ones) into the cache; call once at start. */
  async load(): Promise<void> {
    for (const { tid, exp } of await this.tokens.listRevoked(Math.floor(Date.now() / 1000))) {
      this.revoked.set(tid, exp);
    }
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

  /**
   * New tokens for a valid refresh token, keeping its token id (so revoking one revokes all): a
   * session token, and a refresh token with a new expiry, both carrying `vars`, as stock refreshes.
   */
  reissue(user: { id: string; username: string }, vars: Record<string, string>, tid: string): SessionInit {
    const claims = { uid: user.id, usn: user.username, vrs: vars };
    return {
      created: false,
      token: this.session.sign(claims, this.tokenExpirySec, tid),
      refreshToken: this.refresh.sign(claims, this.refreshExpirySec, tid),
    };
  }

  /** The claims of a valid, unrevoked session token. */
  verifySession(token: string): Promise<TokenClaims | undefined> {
    return this.unrevoked(this.session.verify(token));
  }

  /** The claims of a valid, unrevoked refresh token. */
  verifyRefresh(token: string): Promise<TokenClaims | undefined> {
    return this.unrevoked(this.refresh.verify(token));
  }

  private async unrevoked(claims: TokenClaims | undefined): Promise<TokenClaims | undefined> {
    if (claims === undefined || this.revoked.has(claims.tid)) return undefined;
    // A user-wide revocation is stored as the cut-off plus the refresh lifetime, so "revoked after
    // iat + lifetime" in the same table means "issued before the cut-off".
    const userKey = userRevocationKey(claims.uid);
    const shiftedIat = (claims.iat ?? 0) + this.refreshExpirySec;
    if ((this.revoked.get(userKey) ?? 0) > shiftedIat) return undefined;
    if (this.shared) {
      // One read for both: the token's own revocation, and its user's logout everywhere.
      const revoked = await this.tokens.anyRevoked([
        { tid: claims.tid, after: Math.floor(Date.now() / 1000) },
        { tid: userKey, after: shiftedIat },
      ]);
      if (revoked) return undefined;
    }
    return claims;
  }

  /**
   * Revokes every token of a user issued before the current second, as stock's logout without
   * tokens does; tokens issued from this second on (a sign-in right after) stay valid.
   */
  async revokeAllOf(uid: string): Promise<void> {
    await this.revoke(userRevocationKey(uid), Math.floor(Date.now() / 1000) + this.refreshExpirySec);
  }

  /** Revokes every token with this id (a session token and its refresh token). */
  async revoke(tid: string, tokenExp: number): Promise<void> {
    // The session and refresh tokens of one sign-in share the id, so the revocation must outlive
    // the longer-lived refresh token, whichever of the two was presented.
    const exp = Math.max(tokenExp, Math.floor(Date.now() / 1000) + this.refreshExpirySec);
    const known = this.revoked.get(tid);
    if (known === undefined || known < exp) this.revoked.set(tid, exp);
    await this.tokens.revoke(tid, exp);
    // A token past its expiry is refused anyway; forgetting it keeps the list from growing forever.
    if (this.revoked.size % 1024 === 0) this.pruneExpired();
  }

  private pruneExpired(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [tid, exp] of this.revoked) if (exp <= now) this.revoked.delete(tid);
    // listRevoked forgets the expired ones in storage too; the list itself is not needed here.
    this.tokens.listRevoked(now).catch(() => {});
  }

  /** The claims of a well-formed, unexpired session token, revoked or not (for logout). */
  claimsOfSession(token: string): TokenClaims | undefined {
    return this.session.verify(token);
  }

  /** The claims of a well-formed, unexpired refresh token, revoked or not (for logout). */
  claimsOfRefresh(token: string): TokenClaims | undefined {
    return this.refresh.verify(token);
  }
}

/** The key of a user-wide revocation in the revoked tokens table (token ids are UUIDs). */
function userRevocationKey(uid: string): string {
  return `user:${uid}`;
}
