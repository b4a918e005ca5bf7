// The two servers every resilience and presence scenario runs against, in both wire formats.
// With HERALD_TEST_STOCK_URL set, the stock mode's server is that external server (see
// stock-server.ts); HERALD_TEST_STOCK_ONLY=1 leaves herald's own mode out.

import type { Codec } from "../../src/protocol/codec.js";
import type { ServerOptions } from "../../src/server/index.js";
import { codecs } from "./server.js";
import { externalStockServer, stockModeOnly } from "./stock-server.js";

/** A server mode: herald's own, or stock-Nakama-faithful (3.26's history cursors included). */
export interface ServerMode {
  name: "herald" | "nakama";
  options: ServerOptions;
}

/** herald's own server. */
export const heraldMode: ServerMode = { name: "herald", options: {} };

/** The stock-faithful server, or the external stock server HERALD_TEST_STOCK_URL names. */
export const stockMode: ServerMode = {
  name: "nakama",
  options: { compat: { nakama: true, historyCursors: "3.26" } },
};

export const serverModes: readonly ServerMode[] = stockModeOnly() ? [stockMode] : [heraldMode, stockMode];

/** Every server mode with every codec, named for test titles. */
export const modeMatrix: readonly { mode: ServerMode; codec: Codec; label: string }[] = serverModes.flatMap(
  (mode) => codecs.map((codec) => ({ mode, codec, label: `${mode.name}, ${codec.format}` })),
);

/**
 * Options of a `describe` or `test` that needs the bundled server itself (its database, logs,
 * clock, hooks, a restart, options stock has no counterpart of): skipped with `why` when `mode`'s
 * server is the external stock server, run as usual otherwise.
 */
export function bundledOnly(mode: ServerMode, why: string): { skip?: string } {
  if (mode.name !== "nakama" || externalStockServer() === undefined) return {};
  return { skip: `needs the bundled server (${why}); the stock mode runs on HERALD_TEST_STOCK_URL` };
}
