/**
 * The organism deltas of a chunk's samples as int32 records, encoded to protobuf later and possibly on another
 * thread. Finding what changed needs the live organisms (the engine thread); writing the OrganismDelta bytes
 * does not, and it was most of the recorder's cost on the simulation thread (~150 ns of branchy varint code per
 * organism and sample against ~20 ns to store the values). So the engine records the values and the main
 * thread writes the bytes (chunk-assembly.ts): the same bytes either way (test/unit/pipeline/organism-delta-journal.test.ts).
 *
 * A record is either
 * - COMMON: a delta whose fields are all in COMMON_DELTA_FIELDS (nearly every one):
 *   kind, organism id, field mask, register slot count, energy change, entropy change, dims, then per set bit
 *   in field order the values (IP and DV: dims ints; data pointers: their count, then the ints; active pointer,
 *   marker, last opcode, molecule, energy and entropy delta, procedure: one int each), then per written slot:
 *   slot, isVec, scalar, dims vector ints;
 * - RAW: kind, offset, length of finished OrganismDelta bytes (tag included) in the journal's byte side
 *   (a full state for an organism new to the chunk, or a delta with rarer fields).
 */
import { DeltaField, putRegister, putVector, closeLength1, SLOT_BOUND } from './organism-wire.js';
import { ProtoWriter, putNegativeInt32 } from './proto-writer.js';

const COMMON = 1;
const RAW = 2;
/** Ints before a COMMON record's values: kind, id, mask, slot count, energy and entropy change, dims. */
export const COMMON_HEADER_INTS = 7;

/** The field bits of a delta's mask (organism-wire.ts). */
const F = DeltaField;

/** A journal's contents as plain arrays (what crosses to the thread that encodes them). */
export interface JournalContents {
  readonly ints: Int32Array;
  readonly raw: Uint8Array;
}

export class OrganismDeltaJournal {
  private ints: Int32Array;
  /** Ints in use. */
  length = 0;
  private readonly rawWriter = new ProtoWriter(4 * 1024);
  /** Where the RAW record being written starts in rawWriter. */
  private rawStart = 0;

  constructor(
    /** The OrganismDelta field's tag in the enclosing message (the TickDelta's organism_deltas). */
    readonly fieldTag: number,
    capacity = 16 * 1024,
  ) {
    this.ints = new Int32Array(capacity);
  }

  private room(n: number): Int32Array {
    if (this.length + n > this.ints.length) {
      const next = new Int32Array(Math.max(this.ints.length * 2, this.length + n));
      next.set(this.ints.subarray(0, this.length));
      this.ints = next;
    }
    return this.ints;
  }

  /**
   * The buffer, with room for `n` more ints from `length` on: a COMMON record's values are written there from
   * `length + COMMON_HEADER_INTS` on (OrganismDeltaWriter), then committed with commitCommon, or dropped by not
   * committing them.
   */
  reserve(n: number): Int32Array {
    return this.room(COMMON_HEADER_INTS + n);
  }

  /** Ends the COMMON record whose values were written in reserve's buffer up to `end`: its header goes first. */
  commitCommon(
    end: number,
    id: number,
    mask: number,
    slotCount: number,
    energyChange: number,
    entropyChange: number,
    dims: number,
  ): void {
    const r = this.ints;
    const n = this.length;
    r[n] = COMMON;
    r[n + 1] = id;
    r[n + 2] = mask;
    r[n + 3] = slotCount;
    r[n + 4] = energyChange;
    r[n + 5] = entropyChange;
    r[n + 6] = dims;
    this.length = end;
  }

  /** Where a RAW record's bytes go: write one whole OrganismDelta field (tag included), then call endRaw. */
  beginRaw(): ProtoWriter {
    this.rawStart = this.rawWriter.pos;
    return this.rawWriter;
  }

  endRaw(): void {
    const r = this.room(3);
    const n = this.length;
    r[n] = RAW;
    r[n + 1] = this.rawStart;
    r[n + 2] = this.rawWriter.pos - this.rawStart;
    this.length = n + 3;
  }

  /** Writes the OrganismDelta fields of the records in ints [from, to). */
  encode(w: ProtoWriter, from: number, to: number): void {
    encodeOrganismDeltas(w, this.fieldTag, this.ints, from, to, this.rawWriter.buf);
  }

  /**
   * Hands over the contents (the int buffer itself, no copy, and a copy of the raw bytes) and starts empty, in
   * `next` when given (a buffer handed over before and given back: recycled rather than allocated).
   */
  detach(next?: ArrayBuffer): JournalContents {
    const raw = new Uint8Array(this.rawWriter.pos);
    raw.set(this.rawWriter.buf.subarray(0, this.rawWriter.pos));
    const out = { ints: this.ints.subarray(0, this.length), raw };
    this.ints =
      next && next.byteLength >= this.ints.byteLength ? new Int32Array(next) : new Int32Array(this.ints.length);
    this.clear();
    return out;
  }

  clear(): void {
    this.length = 0;
    this.rawWriter.reset();
  }
}

/** Writes the OrganismDelta fields (under `fieldTag`) of the journal records in ints [from, to). */
export function encodeOrganismDeltas(
  w: ProtoWriter,
  fieldTag: number,
  ints: Int32Array,
  from: number,
  to: number,
  raw: Uint8Array,
): void {
  let at = from;
  while (at < to) {
    const kind = ints[at]!;
    if (kind === COMMON) at = writeCommonDelta(w, fieldTag, ints, at);
    else if (kind === RAW) {
      const off = ints[at + 1]!;
      const len = ints[at + 2]!;
      w.ensure(len);
      w.buf.set(raw.subarray(off, off + len), w.pos);
      w.pos += len;
      at += 3;
    } else throw new RangeError(`organism delta journal: unknown record kind ${kind} at ${at}`);
  }
}

/**
 * One COMMON record as a whole OrganismDelta (organism_id, changed_fields, state, register_slots, energy and
 * entropy changes) under `fieldTag`, with one reservation and one-byte length prefixes (shifted in the rare case
 * a body reaches 128 bytes). The state's fields are written exactly as writeOrganismFields writes them.
 * Returns the index after the record.
 *
 * Every value goes through the small helpers below, not organism-wire's unrolled ones: V8 inlines a callee only
 * while the caller's inlined bytecode stays under a budget, and with the unrolled helpers this function called
 * out for every value (~180 ns per record; ~95 ns inlined). organism-delta-journal.test.ts checks the bytes
 * against the generated encoder.
 */
function writeCommonDelta(w: ProtoWriter, fieldTag: number, r: Int32Array, at: number): number {
  const id = r[at + 1]!;
  const mask = r[at + 2]!;
  const slotCount = r[at + 3]!;
  const energyChange = r[at + 4]!;
  const entropyChange = r[at + 5]!;
  const dims = r[at + 6]!;
  let n = at + 7;
  const need = 200 + 4 * (4 + 10 * dims) + slotCount * (1 + SLOT_BOUND(dims));
  if (w.pos + need > w.buf.length) w.ensure(need);
  const b = w.buf;
  let p = w.pos;
  b[p++] = fieldTag;
  const outerAt = p++;
  const outerStart = p;
  if (id !== 0) {
    b[p] = 0x08;
    p = varint32(b, p + 1, id);
  }
  if (mask !== 0) {
    b[p] = 0x10;
    p = varint32(b, p + 1, mask);
  }
  if (mask !== 0 || slotCount > 0) {
    b[p++] = 0x1a;
    const stateAt = p++;
    const stateStart = p;
    if (mask & F.IP) {
      p = vectorField(b, p, 0x32, r, n, dims);
      n += dims;
    }
    if (mask & F.DV) {
      p = vectorField(b, p, 0x3a, r, n, dims);
      n += dims;
    }
    if (mask & F.DPS) {
      const count = r[n++]!;
      for (let off = 0; off + dims <= count; off += dims) p = vectorField(b, p, 0x42, r, n + off, dims);
      n += count;
    }
    if (mask & F.ACTIVE_DP) p = intField(b, p, 0x48, r[n++]!);
    // The register slots' values sit after the scalars in the record; the state's field 10 comes before them.
    let scalars = n;
    n += bitCount(mask & TAIL);
    for (let k = 0; k < slotCount; k++) {
      p = registerField(b, p, r[n + 1]!, r[n + 2]!, r, n + 3, dims);
      n += 3 + dims;
    }
    // Fields 16 and up have two-byte tags: (field << 3) as a varint, second byte 0x01 below field 32.
    // One call site in a loop over the set bits only, lowest (= lowest field number) first: each inlined call
    // site counts against the budget, and testing all six bits per record cost more than writing them.
    for (let bits = mask & TAIL; bits !== 0; bits &= bits - 1)
      p = intField2(b, p, TAIL_TAG_BY_BIT[31 - Math.clz32(bits & -bits)]!, r[scalars++]!);
    p = closeLength1(b, stateAt, stateStart, p);
    if (slotCount > 0) {
      b[p++] = 0x22;
      b[p++] = slotCount; // < 128 slots, one byte each
      for (let k = 0, s = scalars; k < slotCount; k++, s += 3 + dims) b[p++] = r[s]!;
    }
  }
  p = sintField(b, p, 0x28, energyChange);
  p = sintField(b, p, 0x30, entropyChange);
  w.pos = closeLength1(b, outerAt, outerStart, p);
  return n;
}

/** An int32 varint (a negative one sign-extended to ten bytes, as protobuf writes int32). */
function varint32(b: Uint8Array, p: number, v: number): number {
  if (v < 0) return putNegativeInt32(b, p, v);
  if (v < 0x4000) {
    // Coordinates and most scalars: one or two bytes, without the loop.
    if (v < 0x80) {
      b[p] = v;
      return p + 1;
    }
    b[p] = (v & 127) | 128;
    b[p + 1] = v >>> 7;
    return p + 2;
  }
  while (v > 127) {
    b[p++] = (v & 127) | 128;
    v >>>= 7;
  }
  b[p] = v;
  return p + 1;
}

/** `tag` + length + Vector message (packed components), lengths one byte each; longer ones through putVector. */
function vectorField(b: Uint8Array, p: number, tag: number, r: Int32Array, n: number, dims: number): number {
  if (dims === 2) {
    // The 2-D worlds nearly every run uses, with both components below 16,384: no loop, no varint calls.
    const x = r[n]!;
    const y = r[n + 1]!;
    if ((x | y) >>> 0 < 0x4000) {
      b[p] = tag;
      b[p + 2] = 0x0a;
      let q = p + 4;
      if (x < 0x80) b[q++] = x;
      else {
        b[q] = (x & 127) | 128;
        b[q + 1] = x >>> 7;
        q += 2;
      }
      if (y < 0x80) b[q++] = y;
      else {
        b[q] = (y & 127) | 128;
        b[q + 1] = y >>> 7;
        q += 2;
      }
      b[p + 3] = q - p - 4;
      b[p + 1] = q - p - 2;
      return q;
    }
  }
  let q = p + 4;
  for (let d = 0; d < dims; d++) q = varint32(b, q, r[n + d]!);
  const packed = q - p - 4;
  if (packed > 125) return putVector(b, p, tag, r, n, dims);
  b[p] = tag;
  b[p + 1] = packed + 2;
  b[p + 2] = 0x0a;
  b[p + 3] = packed;
  return q;
}

/** A RegisterValue under field 10: the scalar (written even when 0) or the vector. */
function registerField(
  b: Uint8Array,
  p: number,
  isVec: number,
  scalar: number,
  r: Int32Array,
  n: number,
  dims: number,
): number {
  if (isVec) {
    let q = p + 6;
    for (let d = 0; d < dims; d++) q = varint32(b, q, r[n + d]!);
    const packed = q - p - 6;
    if (packed > 123) return putRegister(b, p, 0x52, 1, scalar, r, n, dims);
    b[p] = 0x52;
    b[p + 1] = packed + 4;
    b[p + 2] = 0x12;
    b[p + 3] = packed + 2;
    b[p + 4] = 0x0a;
    b[p + 5] = packed;
    return q;
  }
  b[p] = 0x52;
  b[p + 2] = 0x08;
  const q = varint32(b, p + 3, scalar);
  b[p + 1] = q - p - 2;
  return q;
}

/** An int32 field under a one-byte tag; proto3 leaves zero out. */
function intField(b: Uint8Array, p: number, tag: number, v: number): number {
  if (v === 0) return p;
  b[p] = tag;
  return varint32(b, p + 1, v);
}

/** An int32 field under a two-byte tag (fields 16-31: second byte 0x01); zero is left out. */
function intField2(b: Uint8Array, p: number, tag: number, v: number): number {
  if (v === 0) return p;
  b[p] = tag;
  b[p + 1] = 0x01;
  return varint32(b, p + 2, v);
}

/** A sint32 field (zigzag varint) under a one-byte tag; zero is left out. */
function sintField(b: Uint8Array, p: number, tag: number, v: number): number {
  if (v === 0) return p;
  b[p++] = tag;
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z > 127) {
    b[p++] = (z & 127) | 128;
    z >>>= 7;
  }
  b[p] = z;
  return p + 1;
}

/** The scalar fields after the register slots in a state (marker, last instruction, procedure). */
const TAIL = F.MARKER | F.LAST_OPCODE | F.LAST_MOLECULE | F.LAST_ENERGY_DELTA | F.LAST_ENTROPY_DELTA | F.CURRENT_PROC;
/** The first byte of the two-byte tag of each of those fields, by its bit in the mask (bit n-1 = field n). */
const TAIL_TAG_BY_BIT = new Uint8Array(32);
for (const [bit, tag] of [
  [F.MARKER, 0x98],
  [F.LAST_OPCODE, 0xb0],
  [F.LAST_MOLECULE, 0xb8],
  [F.LAST_ENERGY_DELTA, 0xc0],
  [F.LAST_ENTROPY_DELTA, 0xc8],
  [F.CURRENT_PROC, 0xd0],
] as const)
  TAIL_TAG_BY_BIT[31 - Math.clz32(bit)] = tag;

function bitCount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
