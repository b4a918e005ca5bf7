import type * as HeraldSdk from "../index.js";

/** herald's SDK, from its browser bundle, which the page loads before this script (global `herald`). */
export const sdk = (globalThis as unknown as { herald: typeof HeraldSdk }).herald;

/** The SDK's types, for annotations. */
export type { HeraldSdk };
