import type { MessageName } from "../../../gen/schema.js";
import { K, messageInfo } from "../../../protocol/schema.js";
import { FIRST_EXTENSION_FIELD } from "../field-names.js";

function inMessage(name: MessageName, json: unknown, path: string): string | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const info = messageInfo(name);
  for (const key in json) {
    const field = info.lookup[key];
    if (field === undefined) return `${path}.${key}`;
    if (field.id >= FIRST_EXTENSION_FIELD) return `${path}.${field.name}`;
    if (field.k !== K.m || field.type === undefined) continue;
    const value = (json as Record<string, unknown>)[key];
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const found = inMessage(field.type, item, `${path}.${field.name}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The path of the first field of a JSON envelope that stock Nakama does not know (a herald
 * extension field such as `channel_message_send.client_msg_id`), or undefined when there is none.
 * Expects text the JSON codec has already decoded, so only extension fields are left to find.
 */
export function extensionFieldIn(text: string): string | undefined {
  return inMessage("Envelope", JSON.parse(text) as unknown, "envelope");
}
