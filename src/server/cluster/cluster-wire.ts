import type { ClusterMessage } from "./cluster-adapter.js";

// A cluster message on the wire between nodes: one version byte, the header's length (uint32 BE),
// the header as JSON (origin node and every field but the frame's encodings), then the frame's
// encodings raw, so an encoded envelope crosses without base64 or a second encode.
// Version 1 carries the protobuf encoding only. Version 2 (sent only when a frame carries its JSON
// encoding) has the JSON bytes first, their length in the header (`t`), then the protobuf bytes if
// any; a node of an older release ignores it. Both are read.
// Version 3 is a batch: the messages one node published on one channel back to back in one turn,
// each as above (version 1 or 2) behind its length (uint32 BE), so that they cost one PUBLISH, one
// Redis message to each subscribed node, and one reply to parse there instead of one each.
// A stored channel message's frame also carries its place in history (`seq`, `prevSeq`) in the
// header, an edit's or removal's the seq of the message it changes (`edits`); a `tip` names the
// newest seq a node stored in a channel. A node of an older release ignores them.
const PROTOBUF_ONLY = 1;
const WITH_TEXT = 2;
const BATCH = 3;

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** A decoded message and the node that sent it. */
export interface FromNode {
  origin: string;
  message: ClusterMessage;
}

/** Joins encoded messages (of {@link encodeClusterMessage}) into one batch, kept in order. */
export function encodeClusterBatch(messages: readonly Uint8Array[]): Buffer {
  let size = 1;
  for (const m of messages) size += 4 + m.byteLength;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(BATCH, 0);
  let at = 1;
  for (const m of messages) {
    out.writeUInt32BE(m.byteLength, at);
    out.set(m, at + 4);
    at += 4 + m.byteLength;
  }
  return out;
}

/**
 * Decodes a Redis message: one message, or a batch of them in their order. What is malformed is
 * left out (a batch cut short keeps the messages before the cut); never throws.
 */
export function decodeClusterMessages(data: Buffer): FromNode[] {
  if (data.length === 0 || data.readUInt8(0) !== BATCH) {
    const one = decodeClusterMessage(data);
    return one === undefined ? [] : [one];
  }
  const out: FromNode[] = [];
  for (let at = 1; at + 4 <= data.length; ) {
    const end = at + 4 + data.readUInt32BE(at);
    if (end > data.length) break;
    const one = decodeClusterMessage(data.subarray(at + 4, end));
    if (one !== undefined) out.push(one);
    at = end;
  }
  return out;
}

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

/**
 * Decodes one message (version 1 or 2); undefined for anything malformed or of another version,
 * a batch included (see {@link decodeClusterMessages}). Never throws.
 */
export function decodeClusterMessage(data: Buffer): FromNode | undefined {
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
      // A stored message's place in history must be two whole numbers, or it is not trusted at all
      // (the frame then goes out unordered, as one from a node of an older release).
      if (frame.seq !== undefined || frame.prevSeq !== undefined) {
        if (!isSeq(frame.seq) || !isSeq(frame.prevSeq) || frame.prevSeq >= frame.seq) {
          delete frame.seq;
          delete frame.prevSeq;
        }
      }
      if (frame.edits !== undefined && !(isSeq(frame.edits) && frame.edits > 0)) delete frame.edits;
      if (textLength > 0) frame.text = new Uint8Array(data.subarray(body, body + textLength));
      if (body + textLength < data.length) frame.bytes = new Uint8Array(data.subarray(body + textLength));
      if (frame.text === undefined && frame.bytes === undefined) return undefined;
      return { origin: o, message: frame };
    }
    if (fields.kind === "tip") {
      const seq = (fields as { seq?: unknown }).seq;
      return isSeq(seq) && seq > 0 ? { origin: o, message: { kind: "tip", seq } } : undefined;
    }
    if (fields.kind !== "presence" && fields.kind !== "invisible" && fields.kind !== "evict")
      return undefined;
    return { origin: o, message: fields as ClusterMessage };
  } catch {
    return undefined;
  }
}
