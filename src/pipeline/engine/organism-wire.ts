/**
 * Writes runtime organisms straight into OrganismState wire format (proto/tickdata.proto, field by field):
 * the engine's per-sample hot path, run for every organism at every sampled tick.
 *
 * Why it looks like this: an organism is ~50 small nested messages (48 register slots, pointers, stacks).
 * Going through ProtoWriter's fork/ldelim for each costs more than the bytes themselves, so the sizes of the
 * small bodies are computed up front, room for the whole organism is reserved once, and bytes are stored
 * with plain indexed writes. Output is canonical protobuf: byte-identical to the generated encoder
 * (test/unit/pipeline/organism-wire.test.ts).
 */
import type { Organism } from '../../runtime/index.js';
import { putNegativeInt32, putVarint, varintSize, type ProtoWriter } from './proto-writer.js';

/** Size of the packed components of a vector (the varints only). */
function packedSize(src: ArrayLike<number>, off: number, dims: number): number {
  let n = 0;
  for (let d = 0; d < dims; d++) n += varintSize(src[off + d]!);
  return n;
}

/** A length prefix: one byte in all but the rarest cases (huge dimensions), without a call for it. */
function putLen(b: Uint8Array, p: number, n: number): number {
  if (n < 128) {
    b[p] = n;
    return p + 1;
  }
  return putVarint(b, p, n);
}

/** A Vector message body: field 1, packed (`packed` = packedSize of the components). */
function putVectorBody(
  b: Uint8Array,
  p: number,
  src: ArrayLike<number>,
  off: number,
  dims: number,
  packed: number,
): number {
  b[p++] = 0x0a;
  p = putLen(b, p, packed);
  for (let d = 0; d < dims; d++) p = putVarint(b, p, src[off + d]!);
  return p;
}

/** Bytes of a Vector message body whose components take `packed` bytes. */
function vectorBodySize(packed: number): number {
  return packed < 128 ? 2 + packed : 1 + varintSize(packed) + packed;
}

/**
 * `tag` + length + Vector body. The components are written first and the two lengths after, one byte each (a
 * vector's components take at most 125 bytes up to 12 dimensions); longer ones are measured first instead.
 */
export function putVector(b: Uint8Array, p: number, tag: number, src: Int32Array, off: number, dims: number): number {
  const first = p + 4;
  let q = first;
  for (let d = 0; d < dims; d++) q = putIntValue(b, q, src[off + d]!);
  const packed = q - first;
  if (packed > 125) return putMeasuredVector(b, p, tag, src, off, dims);
  b[p] = tag;
  b[p + 1] = packed + 2;
  b[p + 2] = 0x0a;
  b[p + 3] = packed;
  return q;
}

/** putVector with lengths of more than one byte: sizes first. */
function putMeasuredVector(b: Uint8Array, p: number, tag: number, src: Int32Array, off: number, dims: number): number {
  const packed = packedSize(src, off, dims);
  b[p++] = tag;
  p = putLen(b, p, vectorBodySize(packed));
  return putVectorBody(b, p, src, off, dims, packed);
}

/** `tag` + length + RegisterValue body (oneof: scalar field 1, written even when 0, or vector field 2). */
export function putRegister(
  b: Uint8Array,
  p: number,
  tag: number,
  isVec: number,
  scalar: number,
  vec: ArrayLike<number>,
  vecOff: number,
  dims: number,
): number {
  b[p++] = tag;
  if (isVec) {
    const packed = packedSize(vec, vecOff, dims);
    const body = vectorBodySize(packed);
    p = putLen(b, p, body < 128 ? 2 + body : 1 + varintSize(body) + body);
    b[p++] = 0x12;
    p = putLen(b, p, body);
    return putVectorBody(b, p, vec, vecOff, dims, packed);
  }
  b[p++] = 1 + varintSize(scalar);
  b[p++] = 0x08;
  return putIntValue(b, p, scalar);
}

/**
 * The register bank's last encoding per organism. Most organisms leave every register alone between two
 * samples (~80 % of samples of the replicator world), and the 48 slots are most of an organism's bytes, so
 * comparing the bank with a copy is much cheaper than encoding it again.
 */
interface RegisterCache {
  /** The organism's scalar and vector slots as bytes, one view (they are adjacent in the organism's buffer). */
  readonly live: Buffer;
  readonly liveIsVec: Buffer;
  /** Their values when `bytes` was encoded. */
  readonly values: Buffer;
  readonly isVec: Buffer;
  bytes: Uint8Array;
  /** Bytes of the cached encoding; -1 until the first one. */
  length: number;
}
const registerCaches = new WeakMap<Organism, RegisterCache>();

function registerCacheOf(o: Organism): RegisterCache {
  let cache = registerCaches.get(o);
  if (cache) return cache;
  const { regWords, regIsVec } = o;
  const live = Buffer.from(regWords.buffer, regWords.byteOffset, regWords.byteLength);
  const liveIsVec = Buffer.from(regIsVec.buffer, regIsVec.byteOffset, regIsVec.byteLength);
  cache = {
    live,
    liveIsVec,
    values: Buffer.alloc(live.length),
    isVec: Buffer.alloc(liveIsVec.length),
    bytes: new Uint8Array(0),
    length: -1,
  };
  registerCaches.set(o, cache);
  return cache;
}

/** Writes the register bank (field 10, one RegisterValue per slot), reusing the last encoding when unchanged. */
function putRegisters(b: Uint8Array, p: number, o: Organism, dims: number): number {
  const { regIsVec, regScalar, regVec } = o;
  const cache = registerCacheOf(o);
  // Buffer#equals is one memcmp: cheaper than comparing ~150 slots in JS.
  if (cache.length >= 0 && cache.live.equals(cache.values) && cache.liveIsVec.equals(cache.isVec)) {
    b.set(cache.bytes, p);
    return p + cache.length;
  }
  const start = p;
  for (let i = 0; i < regIsVec.length; i++)
    p = putRegister(b, p, 0x52, regIsVec[i]!, regScalar[i]!, regVec, i * dims, dims);
  const n = p - start;
  if (cache.bytes.length !== n) cache.bytes = new Uint8Array(n); // exactly sized: copied back whole
  cache.bytes.set(b.subarray(start, p));
  cache.length = n;
  cache.values.set(cache.live);
  cache.isVec.set(cache.liveIsVec);
  return p;
}

/** UTF-8 bytes of the few distinct strings organisms carry (program ids, genome hashes, causes). */
const utf8Cache = new Map<string, Buffer>();
function utf8(s: string): Buffer {
  let bytes = utf8Cache.get(s);
  if (!bytes) {
    bytes = Buffer.from(s, 'utf8');
    if (utf8Cache.size > 4096) utf8Cache.clear(); // bounded: genome hashes of a long run are many
    utf8Cache.set(s, bytes);
  }
  return bytes;
}

/** Field with a varint value under a one- or two-byte tag; proto3 leaves zero out. */
function putInt(b: Uint8Array, p: number, field: number, v: number): number {
  if (v === 0) return p;
  return putIntValue(b, putTag(b, p, field << 3), v);
}

/** A field tag (field numbers below 2048: one or two bytes). */
function putTag(b: Uint8Array, p: number, tag: number): number {
  if (tag < 128) {
    b[p] = tag;
    return p + 1;
  }
  b[p] = (tag & 127) | 128;
  b[p + 1] = tag >>> 7;
  return p + 2;
}

function putString(b: Uint8Array, p: number, field: number, bytes: Buffer): number {
  if (bytes.length === 0) return p;
  p = putTag(b, p, (field << 3) | 2);
  p = putVarint(b, p, bytes.length);
  b.set(bytes, p);
  return p + bytes.length;
}

/** Most bytes one register slot, vector or stack entry can take (3 tags, 3 lengths, 10-byte varints). */
export const SLOT_BOUND = (dims: number): number => 12 + 10 * dims;

/** Every OrganismState field (bit n-1 = field n): a full state. */
export const ALL_FIELDS = (1 << 27) - 1;
/** Bit of OrganismState field `n` in a field mask. */
export const fieldBit = (n: number): number => 1 << (n - 1);

/** Writes one organism as a length-delimited OrganismState under `fieldTag` (a one-byte tag). */
export function writeOrganism(w: ProtoWriter, fieldTag: number, o: Organism): void {
  writeOrganismFields(w, fieldTag, o, ALL_FIELDS, undefined, 0);
}

/**
 * Writes the fields of `mask` of an organism as a length-delimited OrganismState under `fieldTag`, each
 * exactly as a full state writes it (so a state rebuilt from deltas encodes to the same bytes). When the
 * registers' bit is clear and `regSlots` lists `regSlotCount` slots, just those registers are written, in
 * that order (an OrganismDelta's changed registers).
 */
export function writeOrganismFields(
  w: ProtoWriter,
  fieldTag: number,
  o: Organism,
  mask: number,
  regSlots: Uint8Array | undefined,
  regSlotCount: number,
): void {
  const dims = o.dims;
  const all = mask === ALL_FIELDS;
  const program = all ? utf8(o.programId) : EMPTY;
  const genome = all ? utf8(o.genomeHash) : EMPTY;
  const failure = mask & fieldBit(17) ? utf8(o.failureReason ?? '') : EMPTY;
  const death = mask & fieldBit(27) ? utf8(o.deathCause ?? '') : EMPTY;
  let slots = 4 + o.dps.length / dims + o.regIsVec.length + o.dsLen + o.lsLen;
  for (let i = 0; i < o.csLen; i++) slots += 3 + o.csSaved[i]!.isVec.length;
  const bound = 3 + 200 + program.length + genome.length + failure.length + death.length + slots * SLOT_BOUND(dims);
  w.ensure(bound);
  const b = w.buf;
  let p = w.pos;
  b[p++] = fieldTag;
  // Two bytes reserved for the length (organisms are 128..16383 bytes); fixed below when it is not.
  const lenAt = p;
  p += 2;
  const start = p;
  if (all) {
    p = putInt(b, p, 1, o.id);
    p = putInt(b, p, 2, o.parentId ?? -1);
    p = putInt(b, p, 3, o.birthTick);
    p = putString(b, p, 4, program);
  }
  if (mask & fieldBit(5)) p = putInt(b, p, 5, o.er);
  if (mask & fieldBit(6)) p = putVector(b, p, 0x32, o.ip, 0, dims);
  if (mask & fieldBit(7)) p = putVector(b, p, 0x3a, o.dv, 0, dims);
  if (mask & fieldBit(8))
    for (let off = 0; off + dims <= o.dps.length; off += dims) p = putVector(b, p, 0x42, o.dps, off, dims);
  if (mask & fieldBit(9)) p = putInt(b, p, 9, o.activeDp);
  if (mask & fieldBit(10)) p = putRegisters(b, p, o, dims);
  else
    for (let k = 0; k < regSlotCount; k++) {
      const i = regSlots![k]!;
      p = putRegister(b, p, 0x52, o.regIsVec[i]!, o.regScalar[i]!, o.regVec, i * dims, dims);
    }
  if (mask & fieldBit(11))
    for (let i = 0; i < o.dsLen; i++)
      p = putRegister(b, p, 0x5a, o.dsIsVec[i]!, o.dsScalar[i]!, o.dsVec, i * dims, dims);
  if (mask & fieldBit(12)) for (let i = 0; i < o.lsLen; i++) p = putVector(b, p, 0x62, o.ls, i * dims, dims);
  if (mask & fieldBit(13))
    for (let i = 0; i < o.csLen; i++) {
      const saved = o.csSaved[i]!;
      b[p++] = 0x6a;
      const frameLenAt = p;
      p += 2; // a frame with its saved registers is 128..16383 bytes, except tiny ones (fixed below)
      const frameStart = p;
      p = putInt(b, p, 1, o.csLabel[i]!);
      p = putVector(b, p, 0x12, o.csReturnIp, i * dims, dims);
      p = putVector(b, p, 0x1a, o.csCallIp, i * dims, dims);
      for (let k = 0; k < saved.isVec.length; k++)
        p = putRegister(b, p, 0x22, saved.isVec[k]!, saved.scalar[k]!, saved.vec, k * dims, dims);
      p = closeLength(w, frameLenAt, frameStart, p);
    }
  if (mask & fieldBit(14) && o.dead) {
    b[p++] = 0x70;
    b[p++] = 1;
  }
  if (mask & fieldBit(15)) p = putInt(b, p, 15, o.deathTick);
  if (mask & fieldBit(16) && o.failed) {
    b[p++] = 0x80; // field 16, varint: two-byte tag
    b[p++] = 0x01;
    b[p++] = 1;
  }
  p = putString(b, p, 17, failure);
  if (mask & fieldBit(18)) p = putInt(b, p, 18, o.sr);
  if (mask & fieldBit(19)) p = putInt(b, p, 19, o.mr);
  if (all) {
    p = putString(b, p, 20, genome);
    b[p++] = 0xaa; // field 21 (initial_position), length-delimited: two-byte tag
    b[p++] = 0x01;
    const packed = packedSize(o.initialPosition, 0, dims);
    p = putLen(b, p, vectorBodySize(packed));
    p = putVectorBody(b, p, o.initialPosition, 0, dims, packed);
  }
  if (mask & fieldBit(22)) p = putInt(b, p, 22, o.lastOpcode);
  if (mask & fieldBit(23)) p = putInt(b, p, 23, o.lastMolecule);
  if (mask & fieldBit(24)) p = putInt(b, p, 24, o.lastEnergyDelta);
  if (mask & fieldBit(25)) p = putInt(b, p, 25, o.lastEntropyDelta);
  if (mask & fieldBit(26)) p = putInt(b, p, 26, o.currentProc);
  p = putString(b, p, 27, death);
  w.pos = closeLength(w, lenAt, start, p);
}

const EMPTY = Buffer.alloc(0);

/**
 * The OrganismState fields an OrganismDelta's mask names (bit n-1 = field n); the others never change after
 * birth, and energy and entropy go as changes.
 */
export const DeltaField = {
  IP: fieldBit(6),
  DV: fieldBit(7),
  DPS: fieldBit(8),
  ACTIVE_DP: fieldBit(9),
  REGISTERS: fieldBit(10),
  DATA_STACK: fieldBit(11),
  LOCATION_STACK: fieldBit(12),
  CALL_STACK: fieldBit(13),
  DEAD: fieldBit(14),
  DEATH_TICK: fieldBit(15),
  FAILED: fieldBit(16),
  FAILURE_REASON: fieldBit(17),
  MARKER: fieldBit(19),
  LAST_OPCODE: fieldBit(22),
  LAST_MOLECULE: fieldBit(23),
  LAST_ENERGY_DELTA: fieldBit(24),
  LAST_ENTROPY_DELTA: fieldBit(25),
  CURRENT_PROC: fieldBit(26),
  DEATH_CAUSE: fieldBit(27),
} as const;

/** Fields an OrganismDelta usually carries: scalars, IP, DV, data pointers (plus register slots, energy and entropy changes). */
export const COMMON_DELTA_FIELDS =
  DeltaField.IP |
  DeltaField.DV |
  DeltaField.DPS |
  DeltaField.ACTIVE_DP |
  DeltaField.MARKER |
  DeltaField.LAST_OPCODE |
  DeltaField.LAST_MOLECULE |
  DeltaField.LAST_ENERGY_DELTA |
  DeltaField.LAST_ENTROPY_DELTA |
  DeltaField.CURRENT_PROC;

/** A sint32 field (zigzag varint) under a one-byte tag; zero is left out. */
export function putSint(b: Uint8Array, p: number, tag: number, v: number): number {
  if (v === 0) return p;
  b[p++] = tag;
  return putUnsigned(b, p, ((v << 1) ^ (v >> 31)) >>> 0);
}

/** A varint of 0 ≤ v < 2^32, every case inline (positions and opcodes fit in two bytes, molecules in three). */
export function putUnsigned(b: Uint8Array, p: number, v: number): number {
  if (v < 0x80) {
    b[p] = v;
    return p + 1;
  }
  if (v < 0x4000) {
    b[p] = (v & 127) | 128;
    b[p + 1] = v >>> 7;
    return p + 2;
  }
  if (v < 0x200000) {
    b[p] = (v & 127) | 128;
    b[p + 1] = ((v >>> 7) & 127) | 128;
    b[p + 2] = v >>> 14;
    return p + 3;
  }
  // Four and five bytes inline too: delta field masks (bits up to 26) and molecules with a type take four.
  b[p] = (v & 127) | 128;
  b[p + 1] = ((v >>> 7) & 127) | 128;
  b[p + 2] = ((v >>> 14) & 127) | 128;
  if (v < 0x10000000) {
    b[p + 3] = v >>> 21;
    return p + 4;
  }
  b[p + 3] = ((v >>> 21) & 127) | 128;
  b[p + 4] = v >>> 28;
  return p + 5;
}

/** An int32 value's varint (negative ones sign-extended, as putVarint writes them). */
export function putIntValue(b: Uint8Array, p: number, v: number): number {
  if (v >= 0) return putUnsigned(b, p, v);
  return v >= -0x80000000 ? putNegativeInt32(b, p, v) : putVarint(b, p, v);
}

/** Writes the length of [start, end) into the one byte reserved at `lenAt` = start - 1, shifting the body when it needs more; returns the new end. */
export function closeLength1(b: Uint8Array, lenAt: number, start: number, end: number): number {
  const len = end - start;
  if (len < 128) {
    b[lenAt] = len;
    return end;
  }
  const size = varintSize(len);
  b.copyWithin(lenAt + size, start, end);
  putVarint(b, lenAt, len);
  return end + size - 1;
}

/**
 * Writes the length of the body [start, end) into the two bytes reserved at `lenAt` (= start - 2), moving
 * the body when the minimal varint is one or three bytes long. Returns the new end.
 */
function closeLength(w: ProtoWriter, lenAt: number, start: number, end: number): number {
  const len = end - start;
  const b = w.buf;
  if (len >= 128 && len < 16384) {
    b[lenAt] = (len & 127) | 128;
    b[lenAt + 1] = len >>> 7;
    return end;
  }
  if (len < 128) {
    b.copyWithin(lenAt + 1, start, end);
    b[lenAt] = len;
    return end - 1;
  }
  // Rare: 16 KiB or more (deep call stacks). The writer reserved room for the worst case up front.
  const size = varintSize(len);
  b.copyWithin(lenAt + size, start, end);
  putVarint(b, lenAt, len);
  return end + size - 2;
}
