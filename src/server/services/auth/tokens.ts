import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The claims of herald's session and refresh tokens (those Nakama clients read). */
export interface TokenClaims {
  /** Token id, used to revoke it. */
  tid: string;
  /** User id. */
  uid: string;
  /** Username. */
  usn: string;
  /** Session variables. */
  vrs: Record<string, string>;
  /** Expiry, unix seconds. */
  exp: number;
  /** Issued at, unix seconds. */
  iat: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/** Signs and verifies HS256 JWTs with one secret. */
export class TokenSigner {
  constructor(private readonly secret: string) {}

  sign(claims: Omit<TokenClaims, "tid" | "iat" | "exp">, ttlSec: number, tid: string = randomUUID()): string {
    const iat = Math.floor(Date.now() / 1000);
    const payload: TokenClaims = {
      tid,
      uid: claims.uid,
      usn: claims.usn,
      vrs: claims.vrs,
      exp: iat + ttlSec,
      iat,
    };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The token's claims if it is well formed, signed with this secret and unexpired; otherwise undefined. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header, payload, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${header}.${payload}`));
    const actual = Buffer.from(sig);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    try {
      const h = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown };
      if (h.alg !== "HS256") return undefined;
      const c = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
      if (typeof c.uid !== "string" || typeof c.tid !== "string" || typeof c.exp !== "number")
        return undefined;
      if (c.exp <= Date.now() / 1000) return undefined;
      return { ...c, vrs: c.vrs ?? {}, usn: c.usn ?? "" };
    } catch {
      return undefined;
    }
  }

  private mac(data: string): string {
    return createHmac("sha256", this.secret).update(data).digest("base64url");
  }
}
