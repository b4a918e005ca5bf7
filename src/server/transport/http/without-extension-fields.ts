import type { MessageName } from "../../../gen/schema.js";
import { K, messageInfo } from "../../../protocol/schema.js";

/** herald's extension fields are numbered from here up; stock Nakama knows none of them. */
const FIRST_EXTENSION_FIELD = 100;

/**
 * Removes herald's extension fields from a decoded message, at any depth, as stock's JSON reader
 * skips fields it does not know: in stock mode `{"invisible": true}` changes nothing, as on stock.
 */
export function withoutExtensionFields(name: MessageName, message: Record<string, unknown>): void {
  for (const field of messageInfo(name).fields) {
    if (field.id >= FIRST_EXTENSION_FIELD) {
      delete message[field.camel];
      continue;
    }
    if (field.k !== K.m || field.type === undefined) continue;
    const value = message[field.camel];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "object" && item !== null)
        withoutExtensionFields(field.type, item as Record<string, unknown>);
    }
  }
}
