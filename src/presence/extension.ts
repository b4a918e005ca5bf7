import type { CallOptions } from "../call-options.js";
import { requireExtension as check } from "../capabilities.js";
import type { Client } from "../client.js";

/** The capability name of herald's user presence extension (`lastActive`, user `status`, invisible). */
export const USER_PRESENCE = "user_presence";

/** True when the server announces the extension `name` (`client.capabilities()`, cached). */
export async function hasExtension(client: Client, name: string, options?: CallOptions): Promise<boolean> {
  const { extensions } = await client.capabilities(options);
  return extensions.includes(name);
}

/**
 * Resolves when the server has the extension `name`; otherwise rejects with HeraldError
 * `unsupported` naming `feature`, the thing the app asked for.
 */
export async function requireExtension(
  client: Client,
  name: string,
  feature: string,
  options?: CallOptions,
): Promise<void> {
  check(await client.capabilities(options), name, feature);
}
