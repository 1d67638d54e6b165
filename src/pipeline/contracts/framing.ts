/** Length-delimited framing (protobuf varint length prefix + bytes) for streams of messages. */

/** Writes `value` (0 ≤ value < 2^53) as a varint at `offset`; returns the offset after it. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[offset++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[offset++] = v;
  return offset;
}

/** Bytes a varint of `value` takes. */
export function varintSize(value: number): number {
  let n = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/**
 * Reads a varint at `offset`. Returns `[value, nextOffset]`, or `undefined` when the buffer ends inside it.
 * Throws when the varint is longer than 8 bytes (no message is that large; it means corrupt data).
 */
export function readVarint(buf: Uint8Array, offset: number, end = buf.length): [number, number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (offset + i >= end) return undefined;
    const b = buf[offset + i]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, offset + i + 1];
    mul *= 0x80;
  }
  throw new RangeError('varint longer than 8 bytes');
}

export function delimitedSize(payloadLength: number): number {
  return varintSize(payloadLength) + payloadLength;
}

/** One buffer holding every message, each preceded by its varint length. */
export function concatDelimited(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += delimitedSize(m.length);
  const out = new Uint8Array(total);
  let off = 0;
  for (const m of messages) {
    off = writeVarint(out, off, m.length);
    out.set(m, off);
    off += m.length;
  }
  return out;
}

/** Splits a buffer of length-delimited messages; throws a RangeError naming the offset when it is malformed. */
export function splitDelimited(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    const v = readVarint(buf, off);
    if (!v) throw new RangeError(`truncated length prefix at offset ${off}`);
    const [len, start] = v;
    if (start + len > buf.length)
      throw new RangeError(`message at offset ${off} claims ${len} bytes but only ${buf.length - start} remain`);
    out.push(buf.subarray(start, start + len));
    off = start + len;
  }
  return out;
}
