import type { ServerContext } from "../../context.js";
import type { Handlers } from "../router.js";

/** Health and capabilities routes. */
export function miscHandlers(ctx: ServerContext): Handlers {
  return {
    healthcheck: () => ({}),
    getCapabilities: () => ({ server: "herald", version: ctx.version, extensions: [...ctx.extensions] }),
  };
}
