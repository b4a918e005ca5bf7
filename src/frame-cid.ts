// A reply that only says "done" is an envelope holding a cid and no message (`{"cid":"7"}`);
// codecs refuse such frames as "no message", so the socket reads the cid itself. In protobuf
// such a frame is field 1 (cid, a string) alone: tag 0x0a, a varint length, the UTF-8 bytes.

function protobufCid(bytes: Uint8Array): string | undefined {
  if (bytes[0] !== 0x0a) return undefined;
  let length = 0;
  let i = 1;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[i++];
    if (b === undefined) return undefined;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  // The SDK's cids are decimal numbers, so their bytes are their characters (no TextDecoder needed).
  return i + length > bytes.length ? undefined : String.fromCharCode(...bytes.subarray(i, i + length));
}

/** The cid of a frame that holds no message, or undefined if there is none to read. */
export function cidOfEmptyFrame(frame: unknown): string | undefined {
  if (typeof frame === "string") {
    try {
      const cid = (JSON.parse(frame) as { cid?: unknown } | null)?.cid;
      return typeof cid === "string" && cid ? cid : undefined;
    } catch {
      return undefined;
    }
  }
  if (frame instanceof ArrayBuffer) return protobufCid(new Uint8Array(frame));
  return frame instanceof Uint8Array ? protobufCid(frame) : undefined;
}
