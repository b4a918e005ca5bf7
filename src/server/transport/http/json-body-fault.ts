const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `code` is a UTF-16 high (lead) surrogate, or a low (trail) one. */
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * What is wrong with a request body that `JSON.parse` took, by the stricter rules of stock's JSON
 * reader (protojson): a key given twice in one object (JSON.parse would keep the last silently),
 * or a `\u` escape naming half of a surrogate pair (a string no UTF-8 text can hold, which would be
 * stored as U+FFFD). Undefined when neither, and for text that is not JSON (the parser refuses it).
 */
export function jsonBodyFault(text: string): string | undefined {
  // One set of keys per open object; null for an open array.
  const open: (Set<string> | null)[] = [];
  // Whether the next string in the innermost object is a key (after "{" or ",").
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let pendingHigh = false;
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) !== BACKSLASH) {
          if (pendingHigh) return "a \\u escape names half of a surrogate pair";
          continue;
        }
        i++;
        if (text[i] !== "u") {
          if (pendingHigh) return "a \\u escape names half of a surrogate pair";
          continue;
        }
        const unit = Number.parseInt(text.slice(i + 1, i + 5), 16);
        i += 4;
        if (pendingHigh !== isLow(unit)) return "a \\u escape names half of a surrogate pair";
        pendingHigh = isHigh(unit);
      }
      if (pendingHigh) return "a \\u escape names half of a surrogate pair";
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return undefined; // not JSON after all: the parser says what is wrong
        }
        if (keys.has(key)) return `duplicate field "${key}"`;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open.length > 0 && open[open.length - 1] !== null;
    }
  }
  return undefined;
}
