import { StockWords } from "../../stock-words.js";
import { basicUsername } from "./basic-auth.js";

/** How stock authenticates a route: the server key, a session token, or (rpc) a token or the HTTP key. */
export type StockOnlyAuth = "basic" | "bearer" | "rpc";

/** A REST route stock Nakama serves that herald does not. */
export interface StockOnlyRoute {
  /** The feature the route belongs to, as an error message names it. */
  feature: string;
  /** How stock authenticates it, checked before anything else. */
  auth: StockOnlyAuth;
}

// Stock Nakama's REST API for features herald does not have, in match order: a path pattern, the
// feature, how stock authenticates it, and the one method it is served with where the path is
// also one of herald's routes (`DELETE /v2/account` beside `GET` and `PUT`).
const STOCK_ONLY: readonly (readonly [RegExp, string, StockOnlyAuth, string?])[] = [
  [
    /^\/v2\/account\/authenticate\/(apple|facebook|facebookinstantgame|gamecenter|google|steam)$/,
    "social sign-in",
    "basic",
  ],
  [/^\/v2\/account$/, "account deletion", "bearer", "DELETE"],
  [/^\/v2\/account\/(link|unlink)(\/|$)/, "account linking", "bearer"],
  [/^\/v2\/storage(\/|$)/, "storage", "bearer"],
  [/^\/v2\/leaderboard(\/|$)/, "leaderboards", "bearer"],
  [/^\/v2\/tournament(\/|$)/, "tournaments", "bearer"],
  [/^\/v2\/rpc(\/|$)/, "rpc", "rpc"],
  [/^\/v2\/match(\/|$)/, "matches", "bearer"],
  [/^\/v2\/(iap|subscription)(\/|$)/, "purchases", "bearer"],
  [/^\/v2\/event$/, "events", "bearer"],
  [/^\/v2\/friend\/(facebook|steam)$/, "friend import", "bearer"],
  [/^\/v2\/friend\/friends$/, "friends of friends", "bearer"],
];

/** The stock-only route a request belongs to, if any. */
export function stockOnlyRoute(method: string | undefined, pathname: string): StockOnlyRoute | undefined {
  for (const [pattern, feature, auth, onlyMethod] of STOCK_ONLY) {
    if (onlyMethod !== undefined && onlyMethod !== method) continue;
    if (pattern.test(pathname)) return { feature, auth };
  }
  return undefined;
}

/**
 * The runtime HTTP key stock Nakama ships with (`runtime.http_key`). Server-to-server rpc calls
 * carry it instead of a session. herald runs no server functions, so it holds stock's default:
 * a call with it gets what stock with no functions answers, "RPC function not found".
 */
export const STOCK_DEFAULT_HTTP_KEY = "defaulthttpkey";

/** Stock's words when an rpc call carries neither credential, a wrong HTTP key, or no function id. */
export const RpcWords = {
  required: "Auth token or HTTP key required",
  httpKeyInvalid: "HTTP key invalid",
  idRequired: StockWords.rpcIdRequired,
} as const;

/**
 * How stock reads an rpc call's credentials, in its order: the `http_key` query parameter when
 * set; else the Authorization header, as an HTTP key when it is a well-formed HTTP Basic one
 * (read as the server key's header is), as a session token otherwise; else none.
 */
export function rpcCredential(
  url: URL,
  authorization: string | undefined,
): { kind: "httpKey"; key: string } | { kind: "token"; header: string } | { kind: "none" } {
  const queryKey = url.searchParams.get("http_key") ?? "";
  if (queryKey !== "") return { kind: "httpKey", key: queryKey };
  if (authorization === undefined) return { kind: "none" };
  // A malformed Basic header (no colon, not base64) is no Basic credential to stock: a (bad) token.
  const key = basicUsername(authorization);
  return key !== undefined ? { kind: "httpKey", key } : { kind: "token", header: authorization };
}
