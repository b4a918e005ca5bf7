import { HeraldError } from "../errors.js";

/**
 * How history cursors page:
 * - `"exact"`: herald's cursors, which never skip or repeat a message;
 * - `"3.26"`: stock Nakama 3.26.0's, which keep only the second of the message they point at.
 *   Forward pages (and listings from a `cacheable_cursor`) restart at the first message of that
 *   second, so for messages sent within one second forward paging repeats the first page and
 *   its `next_cursor` never advances, and a `cacheable_cursor` lists old messages again;
 *   backward pages stop before that second, so backward paging returns nothing after the first
 *   page.
 */
export type HistoryCursorMode = "exact" | "3.26";

/** The object form of `ServerOptions.compat`: behave as stock Nakama, with settings. */
export interface NakamaCompat {
  nakama: true;
  /**
   * Reproduce stock Nakama 3.26.0's history-cursor bug (`"3.26"`) for testing clients that must
   * survive it, or page exactly (`"exact"`). Off by default: the bug shows only for messages sent
   * within the same second, and other stock releases page correctly.
   * @default "exact"
   */
  historyCursors?: HistoryCursorMode;
}

/** What the `compat` option asks for, resolved. */
export interface CompatSettings {
  /** Behave as stock Nakama 3.26 on the wire (no extensions, stock's frame limit and closes). */
  nakama: boolean;
  historyCursors: HistoryCursorMode;
}

/** Resolves the `compat` option, refusing anything it does not know. */
export function resolveCompat(compat: unknown): CompatSettings {
  if (compat === undefined) return { nakama: false, historyCursors: "exact" };
  if (compat === "nakama") return { nakama: true, historyCursors: "exact" };
  if (typeof compat === "object" && compat !== null && (compat as NakamaCompat).nakama === true) {
    const { historyCursors = "exact" } = compat as NakamaCompat;
    if (historyCursors !== "exact" && historyCursors !== "3.26") {
      throw new HeraldError(
        "bad_input",
        `compat.historyCursors must be "exact" or "3.26", got ${JSON.stringify(historyCursors)}`,
      );
    }
    return { nakama: true, historyCursors };
  }
  throw new HeraldError(
    "bad_input",
    `compat must be "nakama" or { nakama: true, historyCursors? }, got ${JSON.stringify(compat)}`,
  );
}
