/**
 * Applies an encoded OrganismDelta to an organism's state straight from the wire, for the fields a delta
 * usually carries (IP, DV, data pointers, active pointer, marker, last instruction, current procedure, register
 * slots, energy and entropy changes). Rebuilding a sample means applying one delta per organism for every sample
 * before it; decoding each into protobufjs objects first cost ~50 ms for a 500-sample chunk of a mature world.
 * Any other field falls back to the generic path (decode + applyOrganismDelta), so results are identical
 * (test/unit/pipeline/organism-delta.test.ts rebuilds through both). The same readers rebuild organism briefs
 * (organism-brief.ts), which skip the registers and stacks altogether.
 */
import { OrganismDelta, OrganismState, RegisterValue, Vector } from './index.js';
import { BRIEF_FIELD_BITS, copyBrief, emptyBrief, type MutableBrief, type OrganismBrief } from './organism-brief.js';
import { applyOrganismDelta } from './organism-timeline-apply.js';

/** Field bits the wire path handles: 6 ip, 7 dv, 8 data pointers, 9 active pointer, 19 marker, 22-26. */
const WIRE_FIELDS =
  (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 18) | (1 << 21) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 25);

let pos = 0;

/** A Vector as an OrganismState's field types it. */
type VectorFields = { components?: number[] | null };

function uvarint(b: Uint8Array, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new RangeError('truncated varint in OrganismDelta');
    const x = b[pos++]!;
    value += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return value;
    mul *= 0x80;
  }
  throw new RangeError('varint longer than 10 bytes in OrganismDelta');
}

/** An int32 field's varint (negative values are 10 bytes on the wire; the low 32 bits are the value). */
function int32(b: Uint8Array, end: number): number {
  let lo = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new RangeError('truncated varint in OrganismDelta');
    const x = b[pos++]!;
    if (shift < 32) lo |= (x & 0x7f) << shift;
    shift += 7;
    if ((x & 0x80) === 0) return lo | 0;
  }
  throw new RangeError('varint longer than 10 bytes in OrganismDelta');
}

function skip(b: Uint8Array, wireType: number, end: number): void {
  if (wireType === 0) uvarint(b, end);
  else if (wireType === 2) {
    const len = uvarint(b, end);
    pos += len;
  } else if (wireType === 1) pos += 8;
  else if (wireType === 5) pos += 4;
  else throw new RangeError(`unsupported protobuf wire type ${wireType} in OrganismDelta`);
  if (pos > end) throw new RangeError('OrganismDelta field runs past its end');
}

/** A Vector message in b[pos, end), written into `reuse` (its components array too) when given. */
function vector(b: Uint8Array, end: number, reuse?: VectorFields | null): Vector {
  const components: number[] = reuse?.components ?? [];
  let n = 0;
  while (pos < end) {
    const key = uvarint(b, end);
    if (key === 0x0a) {
      const len = uvarint(b, end);
      const stop = pos + len;
      while (pos < stop) components[n++] = int32(b, stop);
    } else if (key === 0x08) components[n++] = int32(b, end);
    else skip(b, key & 7, end);
  }
  if (components.length !== n) components.length = n;
  if (reuse) {
    reuse.components = components;
    return reuse as Vector; // a state's vectors are Vector instances (decoded or built here)
  }
  // The bare constructor and one assignment: protobufjs' constructor walks the keys of a properties object.
  const v = new Vector();
  v.components = components;
  return v;
}

function registerValue(b: Uint8Array, end: number): RegisterValue {
  let out: RegisterValue | undefined;
  while (pos < end) {
    const key = uvarint(b, end);
    if (key === 0x08) {
      out = new RegisterValue();
      out.scalar = int32(b, end);
    } else if (key === 0x12) {
      const len = uvarint(b, end);
      const stop = pos + len;
      out = new RegisterValue();
      out.vector = vector(b, stop);
      pos = stop;
    } else skip(b, key & 7, end);
  }
  if (out) return out;
  out = new RegisterValue();
  out.scalar = 0;
  return out;
}

/** The register values of the delta being applied: [0, registerCount) (a count, not `length = 0`: a runtime call). */
const registersScratch: RegisterValue[] = [];
let registerCount = 0;

function zigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/**
 * Applies the OrganismDelta in `raw[from, to)` (the whole array by default) to `into`. Properties are replaced,
 * never mutated (as applyOrganismDelta does), unless `inPlace`: then the IP, DV and data pointer vectors and the
 * registers array of `into` are overwritten where they exist. Only a caller that owns those objects (shares them
 * with no other state) may ask for it: stepping through a chunk's samples then allocates nearly nothing.
 */
export function applyEncodedOrganismDelta(
  into: OrganismState,
  raw: Uint8Array,
  from = 0,
  to = raw.length,
  inPlace = false,
): void {
  // The header in locals (a reader filling a module-level record cost ~3 % of walking every sample).
  const end = to;
  pos = from;
  let mask = 0;
  let stateStart = -1;
  let stateEnd = -1;
  let slotsStart = -1;
  let slotsEnd = -1;
  let energyChange = 0;
  let entropyChange = 0;
  while (pos < end) {
    const key = uvarint(raw, end);
    switch (key) {
      case 0x10:
        mask = uvarint(raw, end);
        break;
      case 0x1a: {
        const len = uvarint(raw, end);
        stateStart = pos;
        stateEnd = pos += len;
        break;
      }
      case 0x22: {
        const len = uvarint(raw, end);
        slotsStart = pos;
        slotsEnd = pos += len;
        break;
      }
      case 0x28:
        energyChange = zigzag(uvarint(raw, end));
        break;
      case 0x30:
        entropyChange = zigzag(uvarint(raw, end));
        break;
      default: // organism_id (0x08) and anything unknown
        skip(raw, key & 7, end);
    }
    if (pos > end) throw new RangeError('OrganismDelta field runs past its end');
  }
  if ((mask & ~WIRE_FIELDS) !== 0) {
    applyOrganismDelta(into, OrganismDelta.decode(raw.subarray(from, to)));
    return;
  }
  // What an in-place apply overwrites (the generic path above replaced them instead).
  const oldIp = inPlace ? into.ip : null;
  const oldDv = inPlace ? into.dv : null;
  const oldPointers = inPlace && mask & (1 << 7) ? into.dataPointers : undefined;
  // Fields of the mask start at their default; the state holds the non-default ones.
  if (mask & (1 << 5)) into.ip = null;
  if (mask & (1 << 6)) into.dv = null;
  if (mask & (1 << 7)) into.dataPointers = [];
  if (mask & (1 << 8)) into.activeDpIndex = 0;
  if (mask & (1 << 18)) into.moleculeMarkerRegister = 0;
  if (mask & (1 << 21)) into.lastOpcodeId = 0;
  if (mask & (1 << 22)) into.lastMolecule = 0;
  if (mask & (1 << 23)) into.lastEnergyDelta = 0;
  if (mask & (1 << 24)) into.lastEntropyDelta = 0;
  if (mask & (1 << 25)) into.currentProcLabelHash = 0;
  registerCount = 0;
  if (stateStart >= 0) {
    pos = stateStart;
    let pointers: Vector[] | undefined;
    while (pos < stateEnd) {
      const key = uvarint(raw, stateEnd);
      switch (key) {
        case 0x32:
        case 0x3a:
        case 0x42: {
          const len = uvarint(raw, stateEnd);
          const stop = pos + len;
          if (key === 0x32) into.ip = vector(raw, stop, oldIp);
          else if (key === 0x3a) into.dv = vector(raw, stop, oldDv);
          else {
            pointers ??= [];
            pointers.push(vector(raw, stop, oldPointers?.[pointers.length]));
          }
          pos = stop;
          break;
        }
        case 0x52: {
          const len = uvarint(raw, stateEnd);
          const stop = pos + len;
          registersScratch[registerCount++] = registerValue(raw, stop);
          pos = stop;
          break;
        }
        case 0x48:
          into.activeDpIndex = int32(raw, stateEnd);
          break;
        case 0x98: // field 19, two-byte tags from here on (uvarint already combined them)
          into.moleculeMarkerRegister = int32(raw, stateEnd);
          break;
        case 0xb0:
          into.lastOpcodeId = int32(raw, stateEnd);
          break;
        case 0xb8:
          into.lastMolecule = int32(raw, stateEnd);
          break;
        case 0xc0:
          into.lastEnergyDelta = int32(raw, stateEnd);
          break;
        case 0xc8:
          into.lastEntropyDelta = int32(raw, stateEnd);
          break;
        case 0xd0:
          into.currentProcLabelHash = int32(raw, stateEnd);
          break;
        default:
          // A field outside the mask's fast set: take the generic path for this delta.
          applyOrganismDelta(into, OrganismDelta.decode(raw.subarray(from, to)));
          return;
      }
    }
    if (pointers && mask & (1 << 7)) into.dataPointers = pointers;
  }
  if (slotsStart >= 0) {
    pos = slotsStart;
    const regs = inPlace ? into.registers : into.registers.slice();
    let k = 0;
    while (pos < slotsEnd) {
      const slot = uvarint(raw, slotsEnd);
      const value = k < registerCount ? registersScratch[k++] : undefined;
      if (value === undefined || slot >= regs.length) {
        applyOrganismDelta(into, OrganismDelta.decode(raw.subarray(from, to)));
        return;
      }
      regs[slot] = value;
    }
    into.registers = regs;
  }
  if (energyChange !== 0) into.energy = (into.energy + energyChange) | 0;
  if (entropyChange !== 0) into.entropyRegister = (into.entropyRegister + entropyChange) | 0;
}

/** An int64 varint (a tick) as a number; negative values are two's complement over 10 bytes. */
function int64(b: Uint8Array, end: number): number {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= end) throw new RangeError('truncated varint in OrganismState');
    const x = b[pos++]!;
    if (shift < 28) lo |= (x & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (x & 0x0f) << 28;
      hi |= (x & 0x7f) >> 4;
    } else hi |= (x & 0x7f) << (shift - 32);
    if ((x & 0x80) === 0) return hi * 4294967296 + (lo >>> 0);
  }
  throw new RangeError('varint longer than 10 bytes in OrganismState');
}

const utf8Decoder = new TextDecoder();

/** The UTF-8 string of `len` bytes at pos (program ids and genome hashes: short and ASCII, decoded by hand). */
function utf8(b: Uint8Array, len: number, end: number): string {
  const stop = pos + len;
  if (stop > end) throw new RangeError('string runs past the end of its OrganismState');
  let text = '';
  if (len <= 64) {
    for (let i = pos; i < stop; i++) {
      const c = b[i]!;
      if (c >= 0x80) {
        text = utf8Decoder.decode(b.subarray(pos, stop));
        break;
      }
      text += String.fromCharCode(c);
    }
  } else text = utf8Decoder.decode(b.subarray(pos, stop));
  pos = stop;
  return text;
}

/** Sets the brief fields named by `bits` (changed_fields bits) to their defaults. */
function resetBriefFields(b: MutableBrief, bits: number): void {
  if (bits & (1 << 0)) b.organismId = 0;
  if (bits & (1 << 1)) b.parentId = 0;
  if (bits & (1 << 2)) b.birthTick = 0;
  if (bits & (1 << 3)) b.programId = '';
  if (bits & (1 << 4)) b.energy = 0;
  if (bits & (1 << 5)) b.ip = null;
  if (bits & (1 << 6)) b.dv = null;
  if (bits & (1 << 7)) b.dataPointers = [];
  if (bits & (1 << 8)) b.activeDpIndex = 0;
  if (bits & (1 << 13)) b.isDead = false;
  if (bits & (1 << 14)) b.deathTick = 0;
  if (bits & (1 << 17)) b.entropyRegister = 0;
  if (bits & (1 << 19)) b.genomeHash = '';
}

/**
 * Reads the fields of the OrganismState in raw[from, to) that a brief holds and `bits` names into `b`; every other
 * field (registers, stacks, the last instruction …) is skipped unread. A field of an unexpected wire type is skipped
 * too, as a decoder that knows the field's type cannot read it either.
 */
function readBriefFields(b: MutableBrief, raw: Uint8Array, from: number, to: number, bits: number): void {
  pos = from;
  let pointers: Vector[] | undefined;
  while (pos < to) {
    const key = uvarint(raw, to);
    const n = Math.floor(key / 8);
    const wt = key & 7;
    const bit = n >= 1 && n <= 20 ? 1 << (n - 1) : 0;
    if ((bit & bits & BRIEF_FIELD_BITS) === 0) {
      skip(raw, wt, to);
      continue;
    }
    if (n === 6 || n === 7 || n === 8 || n === 4 || n === 20) {
      if (wt !== 2) {
        skip(raw, wt, to);
        continue;
      }
      const len = uvarint(raw, to);
      const stop = pos + len;
      if (stop > to) throw new RangeError('OrganismState field runs past its end');
      if (n === 4) {
        b.programId = utf8(raw, len, to);
        continue;
      }
      if (n === 20) {
        b.genomeHash = utf8(raw, len, to);
        continue;
      }
      const v = vector(raw, stop);
      pos = stop;
      if (n === 6) b.ip = v;
      else if (n === 7) b.dv = v;
      else (pointers ??= []).push(v);
      continue;
    }
    if (wt !== 0) {
      skip(raw, wt, to);
      continue;
    }
    switch (n) {
      case 1:
        b.organismId = int32(raw, to);
        break;
      case 2:
        b.parentId = int32(raw, to);
        break;
      case 3:
        b.birthTick = int64(raw, to);
        break;
      case 5:
        b.energy = int32(raw, to);
        break;
      case 9:
        b.activeDpIndex = int32(raw, to);
        break;
      case 14:
        b.isDead = uvarint(raw, to) !== 0;
        break;
      case 15:
        b.deathTick = int64(raw, to);
        break;
      default: // 18
        b.entropyRegister = int32(raw, to);
    }
  }
  if (pointers) b.dataPointers = pointers;
}

/** The brief of the full OrganismState encoded in raw[from, to) (a snapshot's or a format-1 sample's). */
export function briefOfEncodedState(raw: Uint8Array, from = 0, to = raw.length): OrganismBrief {
  const b = emptyBrief();
  readBriefFields(b, raw, from, to, BRIEF_FIELD_BITS);
  return b;
}

/**
 * The brief after the encoded OrganismDelta in raw[from, to), from the organism's brief at its previous sample
 * (`base`; undefined for an organism first seen here, which starts from the defaults with `organismId`). The same
 * rule as applyOrganismDelta, for the brief's fields: each field the delta names takes the delta state's value (its
 * default when absent), then the energy and entropy changes add. `base` is not changed: a new brief is returned.
 */
export function applyEncodedDeltaToBrief(
  base: OrganismBrief | undefined,
  organismId: number,
  raw: Uint8Array,
  from = 0,
  to = raw.length,
): OrganismBrief {
  // The header in locals, as applyEncodedOrganismDelta reads it (the register slots are skipped here).
  pos = from;
  let mask = 0;
  let stateStart = -1;
  let stateEnd = -1;
  let energyChange = 0;
  let entropyChange = 0;
  while (pos < to) {
    const key = uvarint(raw, to);
    if (key === 0x10) mask = uvarint(raw, to);
    else if (key === 0x1a) {
      const len = uvarint(raw, to);
      stateStart = pos;
      stateEnd = pos += len;
    } else if (key === 0x28) energyChange = zigzag(uvarint(raw, to));
    else if (key === 0x30) entropyChange = zigzag(uvarint(raw, to));
    else skip(raw, key & 7, to);
    if (pos > to) throw new RangeError('OrganismDelta field runs past its end');
  }
  const b = base ? copyBrief(base) : emptyBrief(organismId);
  const bits = mask & BRIEF_FIELD_BITS;
  if (bits !== 0) {
    resetBriefFields(b, bits);
    if (stateStart >= 0) readBriefFields(b, raw, stateStart, stateEnd, bits);
  }
  if (energyChange !== 0) b.energy = (b.energy + energyChange) | 0;
  if (entropyChange !== 0) b.entropyRegister = (b.entropyRegister + entropyChange) | 0;
  return b;
}
