// A reply that only says "done" is an envelope holding a cid and no message (`{"cid":"7"}`);
// codecs refuse such frames as "no message", so the socket reads the cid itself. For protobuf
// this walks the top-level fields for field 1 (cid, a string) without loading protobufjs.

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined || shift > 49) return [-1, -1];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i];
    shift += 7;
  }
}

function protobufCid(bytes: Uint8Array): string | undefined {
  let i = 0;
  while (i < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, i);
    if (afterTag < 0) return undefined;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      [, i] = readVarint(bytes, afterTag);
      if (i < 0) return undefined;
    } else if (wire === 1) {
      i = afterTag + 8;
    } else if (wire === 5) {
      i = afterTag + 4;
    } else if (wire === 2) {
      const [length, start] = readVarint(bytes, afterTag);
      if (start < 0 || start + length > bytes.length) return undefined;
      if (field === 1) return new TextDecoder().decode(bytes.subarray(start, start + length));
      i = start + length;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The cid of a frame that holds no message, or undefined if there is none to read. */
export function cidOfEmptyFrame(frame: unknown): string | undefined {
  if (typeof frame === "string") {
    try {
      const json: unknown = JSON.parse(frame);
      const cid = (json as { cid?: unknown } | null)?.cid;
      return typeof cid === "string" && cid !== "" ? cid : undefined;
    } catch {
      return undefined;
    }
  }
  if (frame instanceof Uint8Array) return protobufCid(frame);
  if (frame instanceof ArrayBuffer) return protobufCid(new Uint8Array(frame));
  return undefined;
}
