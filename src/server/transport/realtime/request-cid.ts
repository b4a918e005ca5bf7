import { jsonObject, varint } from "./unsupported-request.js";

function fromJson(text: string): string | undefined {
  const cid = (jsonObject(text) as { cid?: unknown } | undefined)?.cid;
  return typeof cid === "string" && cid !== "" ? cid : undefined;
}

/** Skips one field's value of `wireType` starting at `at`; the offset after it, or undefined. */
function skip(bytes: Uint8Array, at: number, wireType: number): number | undefined {
  switch (wireType) {
    case 0:
      return varint(bytes, at)?.[1];
    case 1:
      return at + 8 <= bytes.length ? at + 8 : undefined;
    case 5:
      return at + 4 <= bytes.length ? at + 4 : undefined;
    case 2: {
      const len = varint(bytes, at);
      if (len === undefined) return undefined;
      const end = len[1] + len[0];
      return end <= bytes.length ? end : undefined;
    }
    default:
      return undefined;
  }
}

function fromProtobuf(bytes: Uint8Array): string | undefined {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let cid: string | undefined;
  let at = 0;
  // Reads top-level fields until the frame stops making sense: a cid read before the fault counts.
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    if (tag === undefined) break;
    const [key, afterTag] = tag;
    const wireType = key % 8;
    if (Math.floor(key / 8) === 1 && wireType === 2) {
      const len = varint(bytes, afterTag);
      if (len === undefined || len[1] + len[0] > bytes.length) break;
      try {
        cid = decoder.decode(bytes.subarray(len[1], len[1] + len[0])) || undefined;
      } catch {
        cid = undefined;
      }
      at = len[1] + len[0];
      continue;
    }
    const next = skip(bytes, afterTag, wireType);
    if (next === undefined) break;
    at = next;
  }
  return cid;
}

/**
 * The `cid` of a request frame the codec refused, when it can still be read: a JSON object with a
 * string `cid`, or a protobuf envelope whose field 1 comes before whatever is wrong. Herald answers
 * the refusal with it, so the client settles the very call that caused it.
 */
export function requestCid(frame: string | Uint8Array): string | undefined {
  return typeof frame === "string" ? fromJson(frame) : fromProtobuf(frame);
}
