import { HeraldError } from "../errors.js";

// The protobuf wire format's primitives: varints, length-delimited bytes and UTF-8 strings, the
// only encodings herald's protocol uses (no fixed-width numbers, floats or 64-bit fields beside a
// Timestamp's seconds). A general protobuf runtime brings in 64-bit integer emulation and much
// more (protobufjs/minimal is over 10 KiB gzipped in a browser bundle); these two small classes
// are all the table-driven codec needs, and they share no state with any other protobuf code an
// app loads.

const truncated = () =>
  new HeraldError("bad_input", "envelope is not valid protobuf (it ends inside a value)", { serverCode: 3 });
const invalid = (why: string) =>
  new HeraldError("bad_input", `envelope is not valid protobuf (${why})`, { serverCode: 3 });

let decoder: TextDecoder | undefined | null;

/** Decodes UTF-8, refusing invalid sequences as TextDecoder's fatal mode does. */
function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (start === end) return "";
  // The platform's decoder is the fastest even for ids a few dozen bytes long.
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder("utf-8", { fatal: true });
    } catch {
      decoder = null; // engines without TextDecoder (some React Native builds)
    }
  }
  if (decoder) {
    try {
      return decoder.decode(bytes.subarray(start, end));
    } catch {
      throw invalid("a string is not valid UTF-8");
    }
  }
  return utf8Slow(bytes, start, end);
}

function utf8Slow(bytes: Uint8Array, start: number, end: number): string {
  const units: number[] = [];
  for (let i = start; i < end; ) {
    const b = bytes[i++] as number;
    let cp: number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      units.push(b);
      continue;
    } else if (b >= 0xc2 && b < 0xe0) {
      cp = b & 0x1f;
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b < 0xf0) {
      cp = b & 0x0f;
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b < 0xf5) {
      cp = b & 0x07;
      need = 3;
      min = 0x10000;
    } else {
      throw invalid("a string is not valid UTF-8");
    }
    for (; need > 0; need--) {
      const c = bytes[i++];
      if (c === undefined || i > end || (c & 0xc0) !== 0x80) throw invalid("a string is not valid UTF-8");
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
      throw invalid("a string is not valid UTF-8");
    }
    if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
  }
  let s = "";
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}

/** Reads protobuf primitives from bytes, never past `len`. */
export class ProtoReader {
  pos = 0;
  /** Where reading stops: the frame's end, or a sub-message's while it is read. */
  len: number;

  constructor(readonly buf: Uint8Array) {
    this.len = buf.length;
  }

  /** A varint's low 32 bits, unsigned; the rest of a longer varint is skipped. */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.len) throw truncated();
      const b = buf[this.pos++] as number;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    // Negative int32 values take ten bytes: the upper five only repeat the sign.
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.len) throw truncated();
      if ((buf[this.pos++] as number) < 0x80) return value >>> 0;
    }
    throw invalid("a varint is longer than ten bytes");
  }

  int32(): number {
    return this.uint32() | 0;
  }

  bool(): boolean {
    // Any non-zero varint is true; the value can be wider than 32 bits.
    const start = this.pos;
    this.uint32();
    for (let i = start; i < this.pos; i++) if (((this.buf[i] as number) & 0x7f) !== 0) return true;
    return false;
  }

  /** A 64-bit varint as a number (exact up to 2^53, which covers any Timestamp's seconds). */
  int64(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (this.pos >= this.len) throw truncated();
      const b = buf[this.pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (i * 7);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (i * 7 - 32);
      if (b < 0x80) break;
    }
    if (i === 10) throw invalid("a varint is longer than ten bytes");
    if (hi & 0x80000000) {
      // Two's complement: negate both halves.
      lo = ~lo + 1;
      hi = ~hi + (lo === 0 ? 1 : 0);
      return -((hi >>> 0) * 4294967296 + (lo >>> 0));
    }
    return hi * 4294967296 + (lo >>> 0);
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.len) throw truncated();
    this.pos = end;
    return utf8(this.buf, start, end);
  }

  /** Skips one field's value of wire type `wireType` (groups included, nested to a limit). */
  skipType(wireType: number, depth = 0): void {
    switch (wireType) {
      case 0:
        this.uint32();
        return;
      case 1:
        this.skip(8);
        return;
      case 2:
        this.skip(this.uint32());
        return;
      case 3: {
        if (depth > 32) throw invalid("groups nest too deep");
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skipType(tag & 7, depth + 1);
        }
      }
      case 5:
        this.skip(4);
        return;
      default:
        throw invalid(`wire type ${wireType} where a field belongs`);
    }
  }

  skip(bytes: number): void {
    if (this.pos + bytes > this.len) throw truncated();
    this.pos += bytes;
  }
}

/** The UTF-8 length of a string (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * A scratch buffer shared by writers: allocating a typed array costs more than encoding a small
 * message, so encoding writes here and `finish()` copies the result out once. Encoding is
 * synchronous; a writer made while another is open (a getter of the value that encodes) gets a
 * buffer of its own.
 */
let scratch: Uint8Array | undefined = new Uint8Array(4096);

/** Writes protobuf primitives into a growing buffer. */
export class ProtoWriter {
  #buf: Uint8Array;
  #pos = 0;
  #shared: boolean;
  /** Where each open sub-message's content starts (its length is written when it closes). */
  readonly #forks: number[] = [];

  constructor() {
    this.#shared = scratch !== undefined;
    this.#buf = scratch ?? new Uint8Array(256);
    scratch = undefined;
  }

  #room(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + bytes));
    bigger.set(this.#buf.subarray(0, this.#pos));
    this.#buf = bigger;
  }

  uint32(value: number): this {
    this.#room(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.#pos++] = v;
    return this;
  }

  /** Negative values take ten bytes, sign-extended to 64 bits, as protobuf requires. */
  int32(value: number): this {
    return value < 0 ? this.int64(value) : this.uint32(value);
  }

  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  /** A whole number within ±2^53 as a 64-bit varint. */
  int64(value: number): this {
    let lo = value >>> 0;
    let hi = Math.floor(value / 4294967296) >>> 0;
    this.#room(10);
    while (hi > 0 || lo > 0x7f) {
      this.#buf[this.#pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.#buf[this.#pos++] = lo;
    return this;
  }

  string(value: string): this {
    // Short strings (at most 127 bytes even if every character took three) get their one-byte
    // length written after the bytes, sparing a first pass to count them.
    const short = value.length <= 42;
    if (short) this.#room(1 + value.length * 3);
    else {
      const length = utf8Length(value);
      this.uint32(length);
      this.#room(length);
    }
    const buf = this.#buf;
    const lengthAt = this.#pos;
    let p = short ? lengthAt + 1 : lengthAt;
    for (let i = 0; i < value.length; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c < 0xdc00 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
        } else {
          if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
          buf[p++] = 0xe0 | (c >> 12);
        }
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    if (short) buf[lengthAt] = p - lengthAt - 1;
    this.#pos = p;
    return this;
  }

  /** Opens a length-delimited sub-message; `ldelim()` closes it. */
  fork(): this {
    // One byte is kept for the length, enough below 128 bytes; longer content moves up.
    this.#room(1);
    this.#pos++;
    this.#forks.push(this.#pos);
    return this;
  }

  ldelim(): this {
    const start = this.#forks.pop() as number;
    const length = this.#pos - start;
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
    if (extra > 0) {
      this.#room(extra);
      this.#buf.copyWithin(start + extra, start, this.#pos);
      this.#pos += extra;
    }
    let p = start - 1;
    let v = length;
    while (v > 0x7f) {
      this.#buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[p] = v;
    return this;
  }

  /** The bytes written, in a buffer of their own. The writer is done with once finished. */
  finish(): Uint8Array {
    const bytes = this.#buf.slice(0, this.#pos);
    // Hand the scratch buffer back (grown, if it had to grow) for the next writer.
    if (this.#shared) scratch = this.#buf;
    this.#shared = false;
    return bytes;
  }
}
