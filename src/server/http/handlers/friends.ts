import type { ServerContext } from "../../context.js";
import type { Handlers } from "../router.js";

/** Friend routes. */
export function friendHandlers(_ctx: ServerContext): Handlers {
  return {};
}
