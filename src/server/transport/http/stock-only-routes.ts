/** A REST route stock Nakama serves that herald does not. */
export interface StockOnlyRoute {
  /** The feature the route belongs to, as an error message names it. */
  feature: string;
  /** How stock authenticates it: the server key (HTTP Basic) or a session token. */
  auth: "basic" | "bearer";
}

// Path prefixes of stock Nakama's REST API for features herald does not have, in match order.
const STOCK_ONLY: readonly (readonly [RegExp, string, "basic" | "bearer"])[] = [
  [
    /^\/v2\/account\/authenticate\/(apple|facebook|facebookinstantgame|gamecenter|google|steam)$/,
    "social sign-in",
    "basic",
  ],
  [/^\/v2\/account\/(link|unlink)(\/|$)/, "account linking", "bearer"],
  [/^\/v2\/storage(\/|$)/, "storage", "bearer"],
  [/^\/v2\/leaderboard(\/|$)/, "leaderboards", "bearer"],
  [/^\/v2\/tournament(\/|$)/, "tournaments", "bearer"],
  [/^\/v2\/rpc(\/|$)/, "rpc", "bearer"],
  [/^\/v2\/match(\/|$)/, "matches", "bearer"],
  [/^\/v2\/(iap|subscription)(\/|$)/, "purchases", "bearer"],
  [/^\/v2\/event$/, "events", "bearer"],
  [/^\/v2\/friend\/(facebook|steam)$/, "friend import", "bearer"],
  [/^\/v2\/friend\/friends$/, "friends of friends", "bearer"],
];

/** The stock-only route a path belongs to, if any. */
export function stockOnlyRoute(pathname: string): StockOnlyRoute | undefined {
  for (const [pattern, feature, auth] of STOCK_ONLY) {
    if (pattern.test(pathname)) return { feature, auth };
  }
  return undefined;
}
