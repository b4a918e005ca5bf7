import { HeraldError } from "../errors.js";

/** Parses a JSON-object field; "" (absent on the wire) is an empty object. */
export function parseJsonObject(text: unknown, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = typeof text === "string" && text !== "" ? JSON.parse(text) : {};
  } catch {
    // Invalid JSON: reported below, as any other value that is not an object.
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new HeraldError("server_error", `${where}: the server sent no JSON object`);
}

/**
 * Marks message views (src/protocol/message-view.ts) on their prototype, so code that must tell a
 * view from a plain decoded message does not have to load the view code to ask.
 */
export const VIEW_BRAND: unique symbol = Symbol.for("herald.messageView");
