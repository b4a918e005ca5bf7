import type { ServerContext } from "../../context.js";
import type { Handlers } from "../router.js";

/** Group routes. */
export function groupHandlers(_ctx: ServerContext): Handlers {
  return {};
}
