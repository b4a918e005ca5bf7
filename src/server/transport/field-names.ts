import type { MessageName } from "../../gen/schema.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "../../protocol/schema.js";

/** What a key of JSON text sets, as the JSON text scanner's `fieldOf` option asks. */
export type FieldNamer = (path: readonly string[], key: string) => string | undefined;

const namers = new Map<string, FieldNamer>();

/**
 * Names the keys of JSON text holding a `root` message by the field they set, so that both
 * spellings of one field (`display_name`, `displayName`) given together are one field given twice,
 * as stock's reader (protojson) counts them; a map's keys are names of their own. A key the message
 * does not have is named by itself, or left out when `skipUnknown` (a reader that skips unknown
 * fields never looks at them, so giving one twice is no fault there).
 */
export function fieldNames(root: MessageName, skipUnknown: boolean): FieldNamer {
  const cacheKey = `${root} ${skipUnknown}`;
  const cached = namers.get(cacheKey);
  if (cached !== undefined) return cached;
  const namer: FieldNamer = (path, key) => {
    let info: MessageInfo | undefined = messageInfo(root);
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
