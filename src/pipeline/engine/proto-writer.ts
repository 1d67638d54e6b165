/**
 * A small protobuf wire writer for the hot path of the engine (organisms and chunks are written by hand,
 * field by field, in the layout of proto/tickdata.proto). Nested messages reserve one length byte and shift
 * their body when the length needs more (rare: most nested messages are short).
 */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;
  private readonly starts: number[] = [];

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reset(): void {
    this.pos = 0;
    this.starts.length = 0;
  }

  /** Makes room for `n` more bytes at `pos`. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Advances `pos` by `n` bytes left unwritten (room reserved for bytes written later, in place). */
  skip(n: number): void {
    this.ensure(n);
    this.pos += n;
  }

  /** Writes the unsigned varint `v` at `at` (not at `pos`); returns the offset after it. */
  uvarintAt(at: number, v: number): number {
    const b = this.buf;
    while (v > 127) {
      b[at++] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    b[at++] = v;
    return at;
  }

  /** Unsigned varint of a non-negative integer < 2^53. */
  uvarint(v: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, v);
  }

  /** int32/int64 varint: negative values are sign-extended to 64 bits (10 bytes), as protobuf requires. */
  varint(v: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, v);
  }

  tag(byte: number): void {
    this.ensure(1);
    this.buf[this.pos++] = byte;
  }

  /** Field with an int32/int64 value; proto3 leaves zero values out. */
  intField(tag: number, v: number): void {
    if (v === 0) return;
    this.tag(tag);
    this.varint(v);
  }

  boolField(tag: number, v: boolean): void {
    if (!v) return;
    this.tag(tag);
    this.tag(1);
  }

  stringField(tag: number, s: string): void {
    if (s.length === 0) return;
    const n = Buffer.byteLength(s, 'utf8');
    this.tag(tag);
    this.uvarint(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  bytesField(tag: number, bytes: Uint8Array, always = false): void {
    if (bytes.length === 0 && !always) return;
    this.tag(tag);
    this.uvarint(bytes.length);
    this.raw(bytes);
  }

  /** A bytes field of values[0, n) as little-endian int32s, stored value by value (for a few values: no views). */
  int32Field(tag: number, values: Int32Array, n: number): void {
    if (n === 0) return;
    this.tag(tag);
    this.uvarint(n * 4);
    this.ensure(n * 4);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      b[p] = v;
      b[p + 1] = v >>> 8;
      b[p + 2] = v >>> 16;
      b[p + 3] = v >>> 24;
      p += 4;
    }
    this.pos = p;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** bytes[from, to) as they are. Short ranges are copied byte by byte: a subarray view per range cost more. */
  rawRange(bytes: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.ensure(n);
    if (n > 256) this.buf.set(bytes.subarray(from, to), this.pos);
    else {
      const buf = this.buf;
      for (let i = 0, at = this.pos; i < n; i++) buf[at + i] = bytes[from + i]!;
    }
    this.pos += n;
  }

  /** Starts a length-delimited body (after its tag). */
  fork(): void {
    this.ensure(1);
    this.starts.push(this.pos);
    this.pos += 1;
  }

  /** Ends the body started by the matching fork and writes its length in front of it. */
  ldelim(): void {
    const start = this.starts.pop()!;
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    let v = len;
    let p = start;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
    this.pos += extra;
  }

  /** A copy of what was written (a fresh, exactly sized buffer). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}

/** Bytes of the varint of `v` (an integer; negatives take 10 bytes, sign-extended to 64 bits). */
export function varintSize(v: number): number {
  if (v < 0) return 10;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 5;
  for (let x = Math.floor(v / 0x800000000); x > 0; x = Math.floor(x / 128)) n++;
  return n;
}

/**
 * Stores the varint of the integer `v` at `p` (room must be there: up to 10 bytes) and returns the offset after
 * it. Negative values are sign-extended to 64 bits, as protobuf writes int32/int64.
 */
export function putVarint(b: Uint8Array, p: number, v: number): number {
  if (v >= 0 && v < 0x80000000) {
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    return p;
  }
  if (v < 0 && v >= -0x80000000) return putNegativeInt32(b, p, v);
  let lo: number;
  let hi: number;
  if (v < 0) {
    const x = -v;
    lo = (~(x >>> 0) + 1) >>> 0;
    hi = (~(Math.floor(x / 4294967296) >>> 0) + (lo === 0 ? 1 : 0)) >>> 0;
  } else {
    lo = v >>> 0;
    hi = Math.floor(v / 4294967296) >>> 0;
  }
  while (hi) {
    b[p++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) {
    b[p++] = (lo & 127) | 128;
    lo >>>= 7;
  }
  b[p++] = lo;
  return p;
}

/**
 * The 10-byte varint of a negative int32 `v` (sign-extended to 64 bits) at `p`; returns the offset after it.
 * Unrolled: the high 32 bits are all ones, so only the first five bytes depend on `v`. Organisms' last energy
 * and entropy changes are negative int32 fields in most samples.
 */
export function putNegativeInt32(b: Uint8Array, p: number, v: number): number {
  b[p] = (v & 127) | 128;
  b[p + 1] = ((v >>> 7) & 127) | 128;
  b[p + 2] = ((v >>> 14) & 127) | 128;
  b[p + 3] = ((v >>> 21) & 127) | 128;
  b[p + 4] = (v >>> 28) | 0xf0; // bits 28-31, then three of the sign-extension ones
  b[p + 5] = 0xff;
  b[p + 6] = 0xff;
  b[p + 7] = 0xff;
  b[p + 8] = 0xff;
  b[p + 9] = 0x01;
  return p + 10;
}
