/** The signed-in user a request is made for (read off a bearer token). */
export interface Caller {
  userId: string;
  username: string;
  /** The token's id, for revoking it. */
  tid: string;
  /** The token's expiry, unix seconds. */
  exp: number;
  vars: Record<string, string>;
}
