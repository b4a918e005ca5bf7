import type { MessageName } from "../../gen/schema.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "../../protocol/schema.js";

/** herald's extension fields are numbered from here up; stock Nakama knows none of them. */
export const FIRST_EXTENSION_FIELD = 100;

/** What a key of JSON text sets, as the JSON text scanner's `fieldOf` option asks. */
export type FieldNamer = (path: readonly string[], key: string) => string | undefined;

const namers = new Map<string, FieldNamer>();

/**
 * Names the keys of JSON text holding a `root` message by the field they set, so that both
 * spellings of one field (`display_name`, `displayName`) given together are one field given twice,
 * as stock's reader (protojson) counts them; a map's keys are names of their own. A key the message
 * does not have is named by itself, or, with `asStock`, left out, and so is a herald extension
 * field and all inside it: stock's gateway reads with DiscardUnknown, and protojson skips the value
 * of a field it does not know without any duplicate check (only known fields are counted).
 */
export function fieldNames(root: MessageName, asStock: boolean): FieldNamer {
  const cacheKey = `${root} ${asStock}`;
  // Whether stock's reader skips the field: one the message lacks, or one of herald's extensions.
  const stockSkips = (field: FieldInfo | undefined): boolean =>
    asStock && (field === undefined || field.id >= FIRST_EXTENSION_FIELD);
  const cached = namers.get(cacheKey);
  if (cached !== undefined) return cached;
  const namer: FieldNamer = (path, key) => {
    let info: MessageInfo | undefined = messageInfo(root);
    let field: FieldInfo | undefined;
    for (const step of path) {
      // Inside a map, or inside a value that is not a message: the keys are names of their own.
      if (info === undefined) return key;
      field = info.lookup[step];
      if (stockSkips(field)) return undefined;
      if (field === undefined) return key;
      info = field.k === K.m && field.type !== undefined ? messageInfo(field.type) : undefined;
    }
    if (info === undefined) return key;
    const named = info.lookup[key];
    if (stockSkips(named)) return undefined;
    if (named === undefined) return key;
    return named.name;
  };
  namers.set(cacheKey, namer);
  return namer;
}
