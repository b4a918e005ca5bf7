import { type RouteName, routes } from "../../../gen/routes.js";
import type { MessageName } from "../../../gen/schema.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "../../../protocol/schema.js";

/** What a key of a request body sets, as the JSON text scanner's `fieldOf` option asks. */
export type BodyFieldNamer = (path: readonly string[], key: string) => string | undefined;

const namers = new Map<string, BodyFieldNamer>();

/** The message a route's JSON body holds: the request itself, or its body field's message. */
function bodyMessage(route: RouteName): MessageName | undefined {
  const spec = routes[route];
  if (spec.body === "*") return spec.request;
  const field = spec.body ? messageInfo(spec.request).lookup[spec.body] : undefined;
  return field?.type;
}

/**
 * Names the keys of a route's JSON body by the field they set, so that both spellings of one field
 * (`display_name`, `displayName`) given together are one field given twice, as stock's reader
 * (protojson) counts them; a map's keys are names of their own. A key the message does not have is
 * named by itself, or left out when `skipUnknown` (stock skips unknown fields unread, so giving one
 * twice is no fault there).
 */
export function bodyFieldNames(route: RouteName, skipUnknown: boolean): BodyFieldNamer {
  const cacheKey = `${route} ${skipUnknown}`;
  const cached = namers.get(cacheKey);
  if (cached !== undefined) return cached;
  const root = bodyMessage(route);
  const namer: BodyFieldNamer = (path, key) => {
    let info: MessageInfo | undefined = root === undefined ? undefined : messageInfo(root);
    let field: FieldInfo | undefined;
    for (const step of path) {
      // Inside a map, or inside a value that is not a message: the keys are names of their own.
      if (info === undefined) return key;
      field = info.lookup[step];
      if (field === undefined) return skipUnknown ? undefined : key;
      info = field.k === K.m && field.type !== undefined ? messageInfo(field.type) : undefined;
    }
    if (info === undefined) return key;
    const named = info.lookup[key];
    if (named === undefined) return skipUnknown ? undefined : key;
    return named.name;
  };
  namers.set(cacheKey, namer);
  return namer;
}
