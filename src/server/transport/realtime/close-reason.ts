/** The most bytes a WebSocket close reason may have (RFC 6455: 125 bytes of payload less the code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `text` cut to at most 123 UTF-8 bytes, on a character boundary: cutting the bytes themselves can
 * split a character, whose replacement then grows the reason past the limit and makes the close throw.
 */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text, "utf8") <= MAX_CLOSE_REASON_BYTES) return text;
  let bytes = 0;
  let out = "";
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > MAX_CLOSE_REASON_BYTES) break;
    bytes += size;
    out += char;
  }
  return out;
}
