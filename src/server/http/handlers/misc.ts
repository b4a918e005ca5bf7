import type { ServerContext } from "../../context.js";
import type { Handlers } from "../router.js";

/**
 * Health and capabilities routes. Without `capabilities` the capabilities route is not served,
 * as on stock Nakama, so clients take the server for a stock one.
 */
export function miscHandlers(ctx: ServerContext, options: { capabilities: boolean }): Handlers {
  const handlers: Handlers = { healthcheck: () => ({}) };
  if (options.capabilities) {
    handlers.getCapabilities = () => ({
      server: "herald",
      version: ctx.version,
      extensions: [...ctx.extensions],
    });
  }
  return handlers;
}
