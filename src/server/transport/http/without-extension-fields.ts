import type { MessageName } from "../../../gen/schema.js";
import { K, messageInfo } from "../../../protocol/schema.js";
import { refuse } from "../../refusal.js";
import { FIRST_EXTENSION_FIELD } from "../field-names.js";

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

/** Deletes herald's extension fields (under either spelling) from parsed JSON of a `name` message. */
function dropExtensionKeys(name: MessageName, json: unknown): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return;
  const info = messageInfo(name);
  const object = json as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const field = info.lookup[key];
    // Stock skips a field it does not know, whatever its value: dropped here, so that the value
    // (nested as deep as a body can hold) is neither read nor written out again.
    if (field === undefined || field.id >= FIRST_EXTENSION_FIELD) {
      delete object[key];
      continue;
    }
    if (field.k !== K.m || field.type === undefined) continue;
    const value = object[key];
    for (const item of Array.isArray(value) ? value : [value]) dropExtensionKeys(field.type, item);
  }
}

/**
 * JSON text of a `name` message without herald's extension fields and the fields it does not know,
 * for reading a body as stock's JSON reader does: it skips a field it does not know whatever its
 * value (a wrong type, an object holding a key twice), where herald's reader would check the value.
 * Text that is not JSON is returned as it is, for the reader to refuse; a value nested too deeply
 * to write out again is refused with `bad_input`.
 */
export function withoutExtensionFieldsText(name: MessageName, text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === "") return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  dropExtensionKeys(name, json);
  try {
    return JSON.stringify(json);
  } catch {
    // Only a value nested deeper than the stack allows gets here (a field's value thousands of
    // objects deep); stock's reader refuses nesting past its own depth limit too.
    return refuse("bad_input", "body: JSON nested too deeply");
  }
}
