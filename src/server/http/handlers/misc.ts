import type { ServerContext } from "../../context.js";
import type { Handlers } from "../router.js";

/** herald's protocol extensions, announced by the capabilities route. */
export const EXTENSIONS = ["client_msg_id", "exact_cursors"] as const;

/** Health and capabilities routes. */
export function miscHandlers(ctx: ServerContext): Handlers {
  return {
    healthcheck: () => ({}),
    getCapabilities: () => ({ server: "herald", version: ctx.version, extensions: [...EXTENSIONS] }),
  };
}
