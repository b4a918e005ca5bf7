import type { ClusterMessage } from "./cluster-adapter.js";

// A cluster message on the wire between nodes: one version byte, the header's length (uint32 BE),
// the header as JSON (origin node and every field but the frame bytes), then the frame bytes raw,
// so an encoded envelope crosses without base64 or a second encode.
const VERSION = 1;

/** Encodes a message sent by node `origin`. */
export function encodeClusterMessage(origin: string, message: ClusterMessage): Buffer {
  const { bytes, ...fields } = message.kind === "frame" ? message : { ...message, bytes: undefined };
  const header = Buffer.from(JSON.stringify({ o: origin, ...fields }), "utf8");
  const out = Buffer.allocUnsafe(5 + header.length + (bytes?.byteLength ?? 0));
  out.writeUInt8(VERSION, 0);
  out.writeUInt32BE(header.length, 1);
  header.copy(out, 5);
  if (bytes !== undefined) out.set(bytes, 5 + header.length);
  return out;
}

/** Decodes a message; undefined for anything malformed or of another version (never throws). */
export function decodeClusterMessage(data: Buffer): { origin: string; message: ClusterMessage } | undefined {
  try {
    if (data.length < 5 || data.readUInt8(0) !== VERSION) return undefined;
    const length = data.readUInt32BE(1);
    if (5 + length > data.length) return undefined;
    const header = JSON.parse(data.subarray(5, 5 + length).toString("utf8")) as { o: unknown; kind: unknown };
    if (typeof header.o !== "string") return undefined;
    const { o, ...fields } = header;
    if (fields.kind === "frame") {
      // A copy: the frame outlives the socket buffer it arrived in.
      const bytes = new Uint8Array(data.subarray(5 + length));
      return { origin: o, message: { ...(fields as object), kind: "frame", bytes } };
    }
    if (fields.kind !== "presence" && fields.kind !== "invisible" && fields.kind !== "evict")
      return undefined;
    return { origin: o, message: fields as ClusterMessage };
  } catch {
    return undefined;
  }
}
