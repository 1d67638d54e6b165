/** A minimal protobuf field walk, shared by the readers that look into encoded chunks without decoding them. */

/**
 * Walks the protobuf fields of buf[from, to) without decoding: calls `f(number, wireType, valueStart, end, varint)`
 * per field (valueStart..end is the value of a length-delimited field; `varint` the value of a varint field).
 * `f` returning true ends the walk there. Fixed-width fields are skipped. Throws RangeError on truncated or
 * malformed input.
 */
export function eachField(
  buf: Uint8Array,
  from: number,
  to: number,
  f: (n: number, wt: number, start: number, end: number, varint: number) => boolean | void,
): void {
  // Varints are decoded inline into `at`/`value` (no [value, next] pair per field): readers walk every field of
  // every organism delta in a chunk, and those pairs were most of a visualizer query's garbage.
  let off = from;
  while (off < to) {
    let tag = uvarintAt(buf, off, to);
    if (tag < 0) throw new RangeError('truncated protobuf tag');
    tag = value;
    off = at;
    const n = Math.floor(tag / 8);
    const wt = tag % 8;
    if (wt === 0) {
      if (uvarintAt(buf, off, to) < 0) throw new RangeError('truncated varint');
      const next = at;
      if (f(n, wt, off, at, value) === true) return;
      off = next;
    } else if (wt === 2) {
      if (uvarintAt(buf, off, to) < 0) throw new RangeError('truncated length');
      const end = at + value;
      if (end > to) throw new RangeError('protobuf field runs past the end of its message');
      if (f(n, wt, at, end, 0) === true) return;
      off = end;
    } else if (wt === 1 || wt === 5) {
      off += wt === 1 ? 8 : 4;
    } else throw new RangeError(`unsupported protobuf wire type ${wt}`);
  }
}

/** The last varint read by uvarintAt: its value and the offset after it. */
let value = 0;
let at = 0;

/** Reads the varint at buf[offset, end) into `value`/`at`; -1 when it is truncated (as readVarint, at most 8 bytes). */
function uvarintAt(buf: Uint8Array, offset: number, end: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (offset + i >= end) return -1;
    const b = buf[offset + i]!;
    v += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      value = v;
      at = offset + i + 1;
      return 0;
    }
    mul *= 0x80;
  }
  throw new RangeError('varint longer than 8 bytes');
}
