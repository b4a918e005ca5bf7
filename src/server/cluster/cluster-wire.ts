import type { ClusterMessage } from "./cluster-adapter.js";

// A cluster message on the wire between nodes: one version byte, the header's length (uint32 BE),
// the header as JSON (origin node and every field but the frame's encodings), then the frame's
// encodings raw, so an encoded envelope crosses without base64 or a second encode.
// Version 1 carries the protobuf encoding only. Version 2 (sent only when a frame carries its JSON
// encoding) has the JSON bytes first, their length in the header (`t`), then the protobuf bytes if
// any; a node of an older release ignores it. Both are read.
const PROTOBUF_ONLY = 1;
const WITH_TEXT = 2;

/** Encodes a message sent by node `origin`. */
export function encodeClusterMessage(origin: string, message: ClusterMessage): Buffer {
  let bytes: Uint8Array | undefined;
  let text: Uint8Array | undefined;
  let head: Record<string, unknown>;
  if (message.kind === "frame") {
    const { bytes: binary, text: json, ...fields } = message;
    bytes = binary;
    text = json;
    head = text === undefined ? { o: origin, ...fields } : { o: origin, ...fields, t: text.byteLength };
  } else {
    head = { o: origin, ...message };
  }
  const header = Buffer.from(JSON.stringify(head), "utf8");
  const body = 5 + header.length;
  const out = Buffer.allocUnsafe(body + (text?.byteLength ?? 0) + (bytes?.byteLength ?? 0));
  out.writeUInt8(text === undefined ? PROTOBUF_ONLY : WITH_TEXT, 0);
  out.writeUInt32BE(header.length, 1);
  header.copy(out, 5);
  if (text !== undefined) out.set(text, body);
  if (bytes !== undefined) out.set(bytes, body + (text?.byteLength ?? 0));
  return out;
}

/** Decodes a message; undefined for anything malformed or of another version (never throws). */
export function decodeClusterMessage(data: Buffer): { origin: string; message: ClusterMessage } | undefined {
  try {
    const version = data.length < 5 ? 0 : data.readUInt8(0);
    if (version !== PROTOBUF_ONLY && version !== WITH_TEXT) return undefined;
    const length = data.readUInt32BE(1);
    const body = 5 + length;
    if (body > data.length) return undefined;
    const header = JSON.parse(data.toString("utf8", 5, body)) as { o: unknown; kind: unknown; t?: unknown };
    if (typeof header.o !== "string") return undefined;
    const { o, t, ...fields } = header;
    if (fields.kind === "frame") {
      const textLength = version === WITH_TEXT ? t : 0;
      if (typeof textLength !== "number" || !(textLength >= 0) || body + textLength > data.length)
        return undefined;
      // Copies: the frame outlives the socket buffer it arrived in.
      const frame: Extract<ClusterMessage, { kind: "frame" }> = { ...(fields as object), kind: "frame" };
      if (textLength > 0) frame.text = new Uint8Array(data.subarray(body, body + textLength));
      if (body + textLength < data.length) frame.bytes = new Uint8Array(data.subarray(body + textLength));
      if (frame.text === undefined && frame.bytes === undefined) return undefined;
      return { origin: o, message: frame };
    }
    if (fields.kind !== "presence" && fields.kind !== "invisible" && fields.kind !== "evict")
      return undefined;
    return { origin: o, message: fields as ClusterMessage };
  } catch {
    return undefined;
  }
}
