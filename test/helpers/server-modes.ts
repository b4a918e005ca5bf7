// The two servers every resilience and presence scenario runs against, in both wire formats.

import type { Codec } from "../../src/protocol/codec.js";
import type { ServerOptions } from "../../src/server/index.js";
import { codecs } from "./server.js";

/** A server mode: herald's own, or stock-Nakama-faithful (3.26's history cursors included). */
export interface ServerMode {
  name: "herald" | "nakama";
  options: ServerOptions;
}

export const serverModes: readonly ServerMode[] = [
  { name: "herald", options: {} },
  { name: "nakama", options: { compat: { nakama: true, historyCursors: "3.26" } } },
];

/** Every server mode with every codec, named for test titles. */
export const modeMatrix: readonly { mode: ServerMode; codec: Codec; label: string }[] = serverModes.flatMap(
  (mode) => codecs.map((codec) => ({ mode, codec, label: `${mode.name}, ${codec.format}` })),
);
