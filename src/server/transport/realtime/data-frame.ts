/**
 * Payloads up to this size are copied behind their header into one buffer, so a socket gets each
 * frame in one write; larger ones are written as header and payload, to spare the copy.
 */
export const JOINED_FRAME_MAX = 16 * 1024;

/**
 * The header of a final, unmasked WebSocket data frame (RFC 6455, section 5.2) of `length` payload
 * bytes: what a server writes before the payload of a text or binary message, with no extension.
 */
export function dataFrameHeader(length: number, binary: boolean): Buffer {
  const first = binary ? 0x82 : 0x81;
  if (length < 126) return Buffer.from([first, length]);
  if (length < 0x10000) {
    const header = Buffer.allocUnsafe(4);
    header[0] = first;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = first;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/**
 * A payload framed as a WebSocket data message, ready to be written to any number of sockets as
 * is: one buffer (header and payload) for a small payload, or the header and the payload itself.
 */
export class DataFrame {
  /** What to write, in order. */
  readonly parts: readonly Buffer[];
  /** Bytes of the parts together: what the frame adds to a socket's buffered amount. */
  readonly length: number;

  constructor(
    /** The payload this frame carries (compared by identity to reuse the frame). */
    readonly payload: Buffer,
    readonly binary: boolean,
  ) {
    const header = dataFrameHeader(payload.length, binary);
    this.parts =
      payload.length <= JOINED_FRAME_MAX
        ? [Buffer.concat([header, payload], header.length + payload.length)]
        : [header, payload];
    this.length = header.length + payload.length;
  }
}
