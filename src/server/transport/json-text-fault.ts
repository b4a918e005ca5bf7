const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SURROGATE_HALF = "a \\u escape names half of a surrogate pair";

/** How {@link jsonTextFault} compares the keys of one object. */
export interface JsonTextFaultOptions {
  /**
   * Also count two spellings of one proto field (`channel_id` and `channelId`) as the same key, as
   * protojson does (it tells fields by number). Only for text whose objects are all messages: a
   * string map may hold both spellings as different keys.
   * @default false
   */
  spellings?: boolean;
  /**
   * Names what a key sets, for text whose shape is known (a request body): given the keys of the
   * objects the key is in (outermost first), returns the same name for every spelling of one field,
   * or undefined for a key not to check (a field the reader skips). Two keys of one object with
   * the same name are a duplicate. Replaces `spellings`.
   * @default the key itself
   */
  fieldOf?: (path: readonly string[], key: string) => string | undefined;
}

/** Whether `code` is a UTF-16 high (lead) surrogate, or a low (trail) one. */
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * Whether two different keys name one proto field: its name (`user_id_one`) and its JSON name
 * (`userIdOne`, each underscore dropped and the letter after it upper-cased). Compared in place,
 * as most pairs differ at once.
 */
function sameField(a: string, b: string): boolean {
  if (a.length === b.length) return false;
  const [name, jsonName] = a.length > b.length ? [a, b] : [b, a];
  let j = 0;
  for (let i = 0; i < name.length; i++, j++) {
    let c = name.charCodeAt(i);
    if (c === 0x5f /* _ */ && i + 1 < name.length) {
      c = name.charCodeAt(++i);
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    }
    if (jsonName.charCodeAt(j) !== c) return false;
  }
  return j === jsonName.length;
}

/** A key's JSON name (`user_id_one` -> `userIdOne`), as {@link sameField} compares it. */
function jsonNameOf(name: string): string {
  if (!name.includes("_")) return name;
  let out = "";
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c === 0x5f /* _ */ && i + 1 < name.length) {
      c = name.charCodeAt(++i);
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** Past this many keys, an object's keys are looked up in sets rather than compared one by one. */
const LIST_MAX = 8;

/**
 * The keys (or field names) of one open object. The objects of a frame or body hold a few keys
 * each, compared in a list; an object with many (a request made to be slow: 100,000 keys in a
 * body) moves them to sets, so a scan stays linear in the text.
 */
class SeenKeys {
  readonly #spellings: boolean;
  readonly #list: string[] = [];
  #exact: Set<string> | undefined;
  /** The JSON name of each key, when two spellings of one name count as one key. */
  #json: Set<string> | undefined;

  constructor(spellings: boolean) {
    this.#spellings = spellings;
  }

  /** Records `key`; false when it, or its other spelling, is there already. */
  add(key: string): boolean {
    if (this.#exact === undefined) {
      for (const seen of this.#list) {
        if (seen === key || (this.#spellings && sameField(seen, key))) return false;
      }
      this.#list.push(key);
      if (this.#list.length > LIST_MAX) {
        this.#exact = new Set(this.#list);
        if (this.#spellings) this.#json = new Set(this.#list.map(jsonNameOf));
      }
      return true;
    }
    if (this.#exact.has(key)) return false;
    if (this.#json !== undefined) {
      // Two keys name one field when one is the other's JSON name (see sameField).
      const json = jsonNameOf(key);
      if (this.#json.has(key) || this.#exact.has(json)) return false;
      this.#json.add(json);
    }
    this.#exact.add(key);
    return true;
  }
}

/** The key at `from` (its opening quote) to `to` (its closing quote), unescaped. */
function keyText(text: string, from: number, to: number, escaped: boolean): string | undefined {
  if (!escaped) return text.slice(from + 1, to);
  try {
    return JSON.parse(text.slice(from, to + 1)) as string;
  } catch {
    return undefined; // not JSON after all: the parser says what is wrong
  }
}

/**
 * Checks the escapes of the string opening at `from`, up to its closing quote at `to`: a `\u`
 * escape naming half of a surrogate pair (a string no UTF-8 text can hold) is a fault.
 */
function escapeFault(text: string, from: number, to: number): string | undefined {
  let pendingHigh = false;
  for (let i = from + 1; i < to; i++) {
    if (text.charCodeAt(i) !== BACKSLASH) {
      if (pendingHigh) return SURROGATE_HALF;
      continue;
    }
    i++;
    if (text.charCodeAt(i) !== 0x75 /* u */) {
      if (pendingHigh) return SURROGATE_HALF;
      continue;
    }
    const unit = Number.parseInt(text.slice(i + 1, i + 5), 16);
    i += 4;
    if (pendingHigh !== isLow(unit)) return SURROGATE_HALF;
    pendingHigh = isHigh(unit);
  }
  return pendingHigh ? SURROGATE_HALF : undefined;
}

/** The closing quote of the string opening at `from`, skipping escaped quotes; -1 if none. */
function closingQuote(text: string, from: number): number {
  let end = text.indexOf('"', from + 1);
  while (end !== -1) {
    let backslashes = 0;
    for (let j = end - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * What is wrong with JSON text that `JSON.parse` took, by the stricter rules of stock's JSON reader
 * (protojson): a key given twice in one object, at any depth (JSON.parse would keep the last
 * silently), or a `\u` escape naming half of a surrogate pair (a string no UTF-8 text can hold,
 * which would be stored as U+FFFD). Undefined when neither, and for text that is not JSON (the
 * parser refuses it). A string value is one token: JSON text inside it (a chat message's
 * `content`) is not looked into.
 */
export function jsonTextFault(text: string, options: JsonTextFaultOptions = {}): string | undefined {
  const { fieldOf } = options;
  const spellings = options.spellings === true && fieldOf === undefined;
  // The keys of each open object (null for an open array) and the key each was opened under, for
  // the path of a duplicate.
  const open: (SeenKeys | null)[] = [];
  const openedUnder: string[] = [];
  // The names of `openedUnder` without the empty ones (a list's items), kept as objects open and
  // close rather than filtered for each key, which would make deep nesting quadratic.
  const path: string[] = [];
  // Whether the next string in the innermost object is a key (after "{" or ","); the last key read.
  let expectKey = false;
  let lastKey = "";
  // Where the next backslash and the next \u are: a string ending before them has no escapes (its
  // key text is as written), or no \u escape (nothing to check in it).
  let nextBackslash = text.indexOf("\\");
  if (nextBackslash === -1) nextBackslash = text.length;
  let nextUnicode = text.indexOf("\\u");
  if (nextUnicode === -1) nextUnicode = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = closingQuote(text, start);
      if (i === -1) return undefined;
      const escaped = nextBackslash < i;
      if (escaped) {
        nextBackslash = text.indexOf("\\", i);
        if (nextBackslash === -1) nextBackslash = text.length;
      }
      if (nextUnicode < i) {
        const fault = escapeFault(text, start, i);
        if (fault !== undefined) return fault;
        nextUnicode = text.indexOf("\\u", i);
        if (nextUnicode === -1) nextUnicode = text.length;
      }
      const keys = open[open.length - 1];
      if (!expectKey || !keys) continue;
      expectKey = false;
      const key = keyText(text, start, i, escaped);
      if (key === undefined) return undefined;
      lastKey = key;
      const field = fieldOf === undefined ? key : fieldOf(path, key);
      if (field === undefined) continue;
      if (!keys.add(field)) return `duplicate field "${[...path, key].filter(Boolean).join(".")}"`;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      // What opens in a list is named by the list's key, already on the path.
      const under = open.length > 0 && open[open.length - 1] === null ? "" : lastKey;
      openedUnder.push(under);
      if (under !== "") path.push(under);
      open.push(c === 0x7b ? new SeenKeys(spellings) : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      if (openedUnder.pop()) path.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open.length > 0 && open[open.length - 1] !== null;
    }
  }
  return undefined;
}
