import { HeraldError } from "./errors.js";
import type { Capabilities } from "./gen/model.js";

/** What a server without herald's capabilities route (stock Nakama) offers: no extensions. */
export const noExtensions: Capabilities = { server: "", version: "", extensions: [] };

/**
 * Refuses, with `unsupported`, what needs a herald extension the server does not offer: stock
 * Nakama skips the fields it does not know, so such a request would succeed and change nothing.
 */
export function requireExtension(caps: Capabilities, extension: string, feature: string): void {
  if (!caps.extensions.includes(extension)) {
    throw new HeraldError("unsupported", `${feature}: the server lacks herald's ${extension} extension`);
  }
}
