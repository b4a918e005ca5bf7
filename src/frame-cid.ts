// A reply that only says "done" is an envelope holding a cid and no message (`{"cid":"7"}`);
// codecs refuse such frames as "no message", so the socket reads the cid itself. In protobuf
// such a frame is field 1 (cid) alone: tag 0x0a, a one-byte length (the SDK's cids are short
// decimal numbers), then the cid's characters.

/** The cid of a frame that holds no message, or undefined if there is none to read. */
export function cidOfEmptyFrame(frame: unknown): string | undefined {
  try {
    if (typeof frame === "string") return (JSON.parse(frame) as { cid?: string }).cid;
    const bytes = new Uint8Array(frame as ArrayBuffer);
    return bytes[0] === 0x0a && bytes[1] === bytes.length - 2
      ? String.fromCharCode(...bytes.subarray(2))
      : undefined;
  } catch {
    return undefined;
  }
}
