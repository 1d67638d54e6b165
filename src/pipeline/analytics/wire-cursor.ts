/**
 * A protobuf read cursor for the analytics walks: one shared position instead of [value, position] pairs, so
 * reading the millions of small fields of a mature run allocates nothing. One walk at a time (analytics runs
 * synchronously on one thread); a caller sets `cur.pos` before reading.
 */
export const cur = { pos: 0 };

/** The low 32 bits of the varint at b[cur.pos] as a signed int32 (negative values take 10 bytes). */
export function int32(b: Uint8Array, end: number): number {
  let lo = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (cur.pos >= end) throw new RangeError('truncated varint');
    const x = b[cur.pos++]!;
    if (shift < 32) lo |= (x & 0x7f) << shift;
    shift += 7;
    if ((x & 0x80) === 0) return lo | 0;
  }
  throw new RangeError('varint longer than 10 bytes');
}

/** An unsigned varint at b[cur.pos] (up to 10 bytes; exact below 2^53). */
export function uvarint(b: Uint8Array, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (cur.pos >= end) throw new RangeError('truncated varint');
    const x = b[cur.pos++]!;
    value += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return value;
    mul *= 0x80;
  }
  throw new RangeError('varint longer than 10 bytes');
}

/** Skips a field's value of wire type `wt`. */
export function skip(b: Uint8Array, wt: number, end: number): void {
  if (wt === 0) uvarint(b, end);
  else if (wt === 2) {
    const len = uvarint(b, end); // read before `cur.pos +=`, which would take the position from before the length
    cur.pos += len;
  } else if (wt === 1) cur.pos += 8;
  else if (wt === 5) cur.pos += 4;
  else throw new RangeError(`unsupported protobuf wire type ${wt}`);
  if (cur.pos > end) throw new RangeError('protobuf field runs past its end');
}
