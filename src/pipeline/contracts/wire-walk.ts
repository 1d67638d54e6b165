/** A minimal protobuf field walk, shared by the readers that look into encoded chunks without decoding them. */
import { readVarint } from './framing.js';

/**
 * Walks the protobuf fields of buf[from, to) without decoding: calls `f(number, wireType, valueStart, end, varint)`
 * per field (valueStart..end is the value of a length-delimited field; `varint` the value of a varint field).
 * Fixed-width fields are skipped. Throws RangeError on truncated or malformed input.
 */
export function eachField(
  buf: Uint8Array,
  from: number,
  to: number,
  f: (n: number, wt: number, start: number, end: number, varint: number) => void,
): void {
  let off = from;
  while (off < to) {
    const tag = readVarint(buf, off, to);
    if (!tag) throw new RangeError('truncated protobuf tag');
    const n = Math.floor(tag[0] / 8);
    const wt = tag[0] % 8;
    off = tag[1];
    if (wt === 0) {
      const v = readVarint(buf, off, to);
      if (!v) throw new RangeError('truncated varint');
      f(n, wt, off, v[1], v[0]);
      off = v[1];
    } else if (wt === 2) {
      const len = readVarint(buf, off, to);
      if (!len) throw new RangeError('truncated length');
      const end = len[1] + len[0];
      if (end > to) throw new RangeError('protobuf field runs past the end of its message');
      f(n, wt, len[1], end, 0);
      off = end;
    } else if (wt === 1 || wt === 5) {
      off += wt === 1 ? 8 : 4;
    } else throw new RangeError(`unsupported protobuf wire type ${wt}`);
  }
}
