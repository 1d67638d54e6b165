/**
 * Wire-level views of an encoded TickDataChunk, so the indexers never decode (and copy) what they do not
 * keep: the organism indexer skips the cell columns, the environment indexer skips organisms, RNG, plugin
 * states and the runtime checkpoint. Field numbers are those of proto/tickdata.proto.
 */
import { readVarint, varintSize, writeVarint } from './framing.js';

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Offset of the tag (start of the raw field). */
  readonly start: number;
  /** Offset of the value (after tag and, for length-delimited fields, the length). */
  readonly valueStart: number;
  readonly end: number;
  /** Varint value (wire type 0). */
  readonly varint: number;
}

export function* fields(buf: Uint8Array, from = 0, to = buf.length): Generator<Field> {
  let off = from;
  while (off < to) {
    const tag = readVarint(buf, off, to);
    if (!tag) throw new RangeError('truncated protobuf tag');
    const [key, afterTag] = tag;
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    let valueStart = afterTag;
    let end: number;
    let varint = 0;
    switch (wireType) {
      case 0: {
        const v = readVarint(buf, afterTag, to);
        if (!v) throw new RangeError('truncated varint');
        varint = v[0];
        end = v[1];
        break;
      }
      case 1:
        end = afterTag + 8;
        break;
      case 2: {
        const len = readVarint(buf, afterTag, to);
        if (!len) throw new RangeError('truncated length');
        valueStart = len[1];
        end = valueStart + len[0];
        break;
      }
      case 5:
        end = afterTag + 4;
        break;
      default:
        throw new RangeError(`unsupported protobuf wire type ${wireType}`);
    }
    if (end > to) throw new RangeError('protobuf field runs past the end of its message');
    yield { number, wireType, start: off, valueStart, end, varint };
    off = end;
  }
}

/**
 * The same walk as `fields` without a generator or an object per field: `next()` advances and the public
 * properties describe the current field. Used on the hot paths (every organism of every sample).
 */
export class FieldCursor {
  number = 0;
  wireType = 0;
  start = 0;
  valueStart = 0;
  end = 0;
  varint = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private to = 0;

  reset(buf: Uint8Array, from = 0, to = buf.length): this {
    this.buf = buf;
    this.off = from;
    this.to = to;
    return this;
  }

  private readVarint(): number {
    const buf = this.buf;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.off >= this.to) throw new RangeError('truncated varint');
      const b = buf[this.off++]!;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 0x80;
    }
    throw new RangeError('varint longer than 10 bytes');
  }

  next(): boolean {
    if (this.off >= this.to) return false;
    this.start = this.off;
    const key = this.readVarint();
    this.number = Math.floor(key / 8);
    this.wireType = key % 8;
    this.varint = 0;
    switch (this.wireType) {
      case 0:
        this.valueStart = this.off;
        this.varint = this.readVarint();
        this.end = this.off;
        break;
      case 1:
        this.valueStart = this.off;
        this.end = this.off + 8;
        break;
      case 2: {
        const len = this.readVarint();
        this.valueStart = this.off;
        this.end = this.off + len;
        break;
      }
      case 5:
        this.valueStart = this.off;
        this.end = this.off + 4;
        break;
      default:
        throw new RangeError(`unsupported protobuf wire type ${this.wireType}`);
    }
    if (this.end > this.to) throw new RangeError('protobuf field runs past the end of its message');
    this.off = this.end;
    return true;
  }
}

/** Reused by `concat(…, true)`: the indexers cut two views of every chunk, then compress them at once. */
let scratch = Buffer.allocUnsafe(0);

/**
 * Concatenates raw pieces into one buffer. With `reuse`, into a buffer shared by every such call: the result is
 * valid until the next one (no fresh megabytes per chunk; fresh large buffers cost page faults each time).
 */
function concat(pieces: readonly Uint8Array[], reuse = false): Uint8Array {
  let total = 0;
  for (const p of pieces) total += p.length;
  let out: Uint8Array;
  if (reuse) {
    if (scratch.length < total) scratch = Buffer.allocUnsafe(Math.max(total, scratch.length * 2));
    out = scratch.subarray(0, total);
  } else out = new Uint8Array(total);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function lengthDelimited(fieldNumber: number, body: readonly Uint8Array[]): Uint8Array[] {
  let len = 0;
  for (const b of body) len += b.length;
  const key = fieldNumber * 8 + 2;
  const head = new Uint8Array(varintSize(key) + varintSize(len));
  writeVarint(head, writeVarint(head, 0, key), len);
  return [head, ...body];
}

/** The raw fields of the message in `buf[from, to)` whose numbers are in `keep`. */
function keepFields(buf: Uint8Array, from: number, to: number, keep: ReadonlySet<number>): Uint8Array[] {
  const out: Uint8Array[] = [];
  const f = new FieldCursor().reset(buf, from, to);
  // Adjacent kept fields become one piece.
  let pieceStart = -1;
  let pieceEnd = -1;
  while (f.next()) {
    if (!keep.has(f.number)) continue;
    if (f.start === pieceEnd) pieceEnd = f.end;
    else {
      if (pieceStart >= 0) out.push(buf.subarray(pieceStart, pieceEnd));
      pieceStart = f.start;
      pieceEnd = f.end;
    }
  }
  if (pieceStart >= 0) out.push(buf.subarray(pieceStart, pieceEnd));
  return out;
}

// TickDataChunk: 1 run id, 2 first tick, 3 last tick, 4 tick count, 5 snapshot (TickData), 6 deltas (TickDelta)
// TickData: 2 tick, 3 organisms, 4 cells, 5 rng, 6 plugin states, 7 total created, 8 checkpoint
// TickDelta: 1 tick, 2 type, 3 changed cells, 4 organisms (format 1), 5 total created, 6 organism deltas (format 2)
const SNAPSHOT_CELL_FIELDS = new Set([2, 4, 7]);
const DELTA_CELL_FIELDS = new Set([1, 2, 3, 5]);
const SNAPSHOT_ORGANISM_FIELDS = new Set([2, 3, 7]);
const DELTA_ORGANISM_FIELDS = new Set([1, 2, 4, 5, 6]);

/**
 * The encoded chunk with only what the environment index needs (a valid TickDataChunk). With `reuse` the result
 * lives in a shared buffer until the next reusing cut (see concat).
 */
export function cellsOnlyChunk(chunk: Uint8Array, reuse = false): Uint8Array {
  return cutChunk(chunk, SNAPSHOT_CELL_FIELDS, DELTA_CELL_FIELDS, reuse);
}

/**
 * The encoded chunk with only what the organism index needs: tick numbers and organisms (a valid TickDataChunk).
 * With `reuse` the result lives in a shared buffer until the next reusing cut (see concat).
 */
export function organismsOnlyChunk(chunk: Uint8Array, reuse = false): Uint8Array {
  return cutChunk(chunk, SNAPSHOT_ORGANISM_FIELDS, DELTA_ORGANISM_FIELDS, reuse);
}

/** The chunk with only the given fields of its snapshot and of every delta (its own fields all kept). */
function cutChunk(
  chunk: Uint8Array,
  snapshotKeep: ReadonlySet<number>,
  deltaKeep: ReadonlySet<number>,
  reuse: boolean,
): Uint8Array {
  const pieces: Uint8Array[] = [];
  const f = new FieldCursor().reset(chunk);
  while (f.next()) {
    if (f.number === 5 && f.wireType === 2)
      pieces.push(...lengthDelimited(5, keepFields(chunk, f.valueStart, f.end, snapshotKeep)));
    else if (f.number === 6 && f.wireType === 2)
      pieces.push(...lengthDelimited(6, keepFields(chunk, f.valueStart, f.end, deltaKeep)));
    else pieces.push(chunk.subarray(f.start, f.end));
  }
  return concat(pieces, reuse);
}

/**
 * Calls `visit` for the organisms of a chunk whose id `known` does not hold, at their first sample in the chunk,
 * with the encoded full state (snapshot and format-1 samples) or the encoded OrganismDelta (format 2; `isDelta`).
 * The caller adds what it keeps to `known`: a sample whose count of created organisms equals the previous
 * sample's holds no organism that was not in that sample too, and is skipped without reading its organisms
 * (the organism indexer's scan of a mature chunk reads ~1 sample in 400 instead of all of them).
 */
const idScratch: OrganismFacts = { organismId: 0, isDead: false };

export function forEachNewOrganism(
  chunk: Uint8Array,
  known: { has(id: number): boolean },
  visit: (id: number, raw: Uint8Array, isDelta: boolean) => void,
): void {
  // Cursors of this call only: module-level ones held the last chunk walked (megabytes) until the next call.
  const f = new FieldCursor().reset(chunk);
  const g = new FieldCursor();
  // Ids are handed out in order: a sample can hold an organism not seen before only when the run's count of
  // created organisms (TickData 7, TickDelta 5) grew since the previous sample, so the others are skipped once
  // that count is read (the engine writes it before the organisms). A count of 0 (older writers) skips nothing.
  let previousTotal = 0;
  while (f.next()) {
    if (f.wireType !== 2 || (f.number !== 5 && f.number !== 6)) continue;
    const stateField = f.number === 5 ? 3 : 4;
    const totalField = f.number === 5 ? 7 : 5;
    g.reset(chunk, f.valueStart, f.end);
    while (g.next()) {
      if (g.wireType === 0 && g.number === totalField) {
        const total = g.varint;
        const unchanged = f.number === 6 && total !== 0 && total === previousTotal;
        previousTotal = total;
        if (unchanged) break;
        continue;
      }
      if (g.wireType !== 2 || !(g.number === stateField || (f.number === 6 && g.number === 6))) continue;
      // organism_id is the first field of both OrganismState and OrganismDelta as the engine writes them.
      const raw = chunk.subarray(g.valueStart, g.end);
      const id = organismIdOf(raw, idScratch);
      if (!known.has(id)) visit(id, raw, g.number === 6);
    }
  }
}

/** What the organism index needs from every state: the id (field 1) and whether it is dead (field 14). */
export interface OrganismFacts {
  organismId: number;
  isDead: boolean;
}

/**
 * Reads organism_id and is_dead of an encoded OrganismState without decoding it: a tight scan over the
 * top-level fields that skips every length-delimited one (registers, stacks, vectors) by its length.
 * `out` is reused by the caller, so no object is allocated per organism and sample.
 */
export function scanOrganismFacts(buf: Uint8Array, out: OrganismFacts): OrganismFacts {
  out.organismId = 0;
  out.isDead = false;
  const end = buf.length;
  let off = 0;
  while (off < end) {
    // Tag (field numbers of OrganismState fit in 2 varint bytes).
    let key = buf[off++]!;
    if (key & 0x80) {
      key = (key & 0x7f) | ((buf[off++]! & 0x7f) << 7);
      if (buf[off - 1]! & 0x80) throw new RangeError('OrganismState tag too long');
    }
    const wireType = key & 7;
    const field = key >>> 3;
    if (wireType === 0) {
      // int32 fields: the low 32 bits of the varint (a negative int32 is a 10-byte varint).
      let lo = 0;
      let shift = 0;
      let nonZero = false;
      let b: number;
      do {
        if (off >= end) throw new RangeError('truncated varint in OrganismState');
        b = buf[off++]!;
        if (b & 0x7f) nonZero = true;
        if (shift < 32) lo |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      if (field === 1) out.organismId = lo | 0;
      else if (field === 14) out.isDead = nonZero;
    } else if (wireType === 2) {
      let len = 0;
      let mul = 1;
      let b: number;
      do {
        if (off >= end) throw new RangeError('truncated length in OrganismState');
        b = buf[off++]!;
        len += (b & 0x7f) * mul;
        mul *= 0x80;
      } while (b & 0x80);
      off += len;
    } else if (wireType === 1) off += 8;
    else if (wireType === 5) off += 4;
    else throw new RangeError(`unsupported protobuf wire type ${wireType} in OrganismState`);
  }
  if (off > end) throw new RangeError('OrganismState field runs past its end');
  return out;
}

/**
 * organism_id of an encoded OrganismState. The engine writes fields in number order and ids start at 1, so
 * the id is the first field: one tag and one varint. Anything else falls back to the full scan.
 */
export function organismIdOf(buf: Uint8Array, scratch: OrganismFacts): number {
  if (buf.length > 1 && buf[0] === 0x08) {
    let lo = 0;
    let shift = 0;
    for (let off = 1; off < buf.length && shift < 35; off++) {
      const b = buf[off]!;
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return lo | 0;
      shift += 7;
    }
  }
  return scanOrganismFacts(buf, scratch).organismId;
}
