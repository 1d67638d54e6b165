/**
 * The organism fields analytics read, tracked straight from the wire. Rebuilding full OrganismStates per
 * sample (registers, stacks, pointers: what the visualizer needs) cost ~0.5 µs per organism and sample, half
 * of all analytics work; the metric plugins need a dozen scalars, which this tracker reads and skips the rest
 * (same rules as organism-timeline-apply.ts: a field in a delta's mask takes the state's value or its default,
 * then energy and entropy changes are added).
 */
import { cur, int32, skip, uvarint } from './wire-cursor.js';

/** What a metric plugin may read of an organism (names as in OrganismState). */
export interface OrganismVitals {
  organismId: number;
  parentId: number;
  birthTick: number;
  programId: string;
  energy: number;
  ip: { components: number[] } | null;
  isDead: boolean;
  deathTick: number;
  instructionFailed: boolean;
  entropyRegister: number;
  genomeHash: string;
  initialPosition: { components: number[] } | null;
  lastOpcodeId: number;
  deathCause: string;
  /** Births from the initial organisms (-1 unknown); set by the analytics walk, not stored in chunks. */
  generation: number;
}

export function newVitals(id: number): OrganismVitals {
  return {
    organismId: id,
    parentId: 0,
    birthTick: 0,
    programId: '',
    energy: 0,
    ip: null,
    isDead: false,
    deathTick: 0,
    instructionFailed: false,
    entropyRegister: 0,
    genomeHash: '',
    initialPosition: null,
    lastOpcodeId: 0,
    deathCause: '',
    generation: -1,
  };
}

/** A copy that shares nothing with `v` (positions are updated in place by later deltas). */
export function copyVitals(v: OrganismVitals): OrganismVitals {
  const c = newVitals(v.organismId);
  copyVitalsInto(v, c);
  return c;
}

/** Sets `to` to the values of `v`, reusing its position objects: `to` shares nothing with `v` afterwards. */
export function copyVitalsInto(v: OrganismVitals, to: OrganismVitals): void {
  const ip = to.ip;
  const initialPosition = to.initialPosition;
  Object.assign(to, v);
  to.ip = v.ip ? positionInto(v.ip, ip) : null;
  to.initialPosition = v.initialPosition ? positionInto(v.initialPosition, initialPosition) : null;
}

function positionInto(from: { components: number[] }, to: { components: number[] } | null): { components: number[] } {
  if (!to) return { components: from.components.slice() };
  const a = from.components;
  const b = to.components;
  for (let d = 0; d < a.length; d++) b[d] = a[d]!;
  if (b.length !== a.length) b.length = a.length;
  return to;
}

/** Field number → reset to its default (for fields in a delta's mask). Untracked fields are absent. */
const RESET: Record<number, (v: OrganismVitals) => void> = {
  2: (v) => (v.parentId = 0),
  3: (v) => (v.birthTick = 0),
  4: (v) => (v.programId = ''),
  5: (v) => (v.energy = 0),
  6: (v) => (v.ip = null),
  14: (v) => (v.isDead = false),
  15: (v) => (v.deathTick = 0),
  16: (v) => (v.instructionFailed = false),
  18: (v) => (v.entropyRegister = 0),
  20: (v) => (v.genomeHash = ''),
  21: (v) => (v.initialPosition = null),
  22: (v) => (v.lastOpcodeId = 0),
  27: (v) => (v.deathCause = ''),
};
const TRACKED_BITS = Object.keys(RESET).reduce((m, f) => m | (1 << (Number(f) - 1)), 0);

const utf8 = new TextDecoder();

/** A Vector message b[cur.pos, end), written into `into` when given (no allocation for the IP's every move). */
function vector(b: Uint8Array, end: number, into?: { components: number[] } | null): { components: number[] } {
  const out = into ?? { components: [] };
  const components = out.components;
  // Written by index, the length set once at the end: `length = 0` drops the array's storage, and the pushes
  // after it allocated a new one (sixteen slots) for every IP move.
  let n = 0;
  while (cur.pos < end) {
    const key = uvarint(b, end);
    if (key === 0x0a) {
      const len = uvarint(b, end);
      const stop = cur.pos + len;
      while (cur.pos < stop) components[n++] = int32(b, stop);
    } else if (key === 0x08) components[n++] = int32(b, end);
    else skip(b, key & 7, end);
  }
  if (components.length !== n) components.length = n;
  return out;
}

/**
 * The IP object a delta's reset of field 6 took from the organism being updated: the IP the delta then reads is
 * written into it (an IP moves in nearly every delta). Only applyVitalsDelta sets it, for the one `v` it updates.
 */
let spareIp: { components: number[] } | null = null;

/** Reads the tracked fields of an OrganismState message b[from, end) into `v` (others skipped). */
export function readVitals(b: Uint8Array, from: number, end: number, v: OrganismVitals): void {
  cur.pos = from;
  readVitalsHere(b, end, v);
}

function readVitalsHere(b: Uint8Array, end: number, v: OrganismVitals): void {
  while (cur.pos < end) {
    const key = uvarint(b, end);
    const field = key >>> 3;
    const wt = key & 7;
    if (wt === 0) {
      switch (field) {
        case 1:
          v.organismId = int32(b, end);
          break;
        case 2:
          v.parentId = int32(b, end);
          break;
        case 3:
          v.birthTick = uvarint(b, end);
          break;
        case 5:
          v.energy = int32(b, end);
          break;
        case 14:
          v.isDead = uvarint(b, end) !== 0;
          break;
        case 15:
          v.deathTick = uvarint(b, end);
          break;
        case 16:
          v.instructionFailed = uvarint(b, end) !== 0;
          break;
        case 18:
          v.entropyRegister = int32(b, end);
          break;
        case 22:
          v.lastOpcodeId = int32(b, end);
          break;
        default:
          uvarint(b, end);
      }
      continue;
    }
    if (wt === 2) {
      const len = uvarint(b, end);
      const s = cur.pos;
      const stop = s + len;
      if (stop > end) throw new RangeError('organism field runs past its end');
      switch (field) {
        case 4:
          v.programId = utf8.decode(b.subarray(s, stop));
          break;
        case 6:
          v.ip = vector(b, stop, v.ip ?? spareIp);
          spareIp = null;
          break;
        case 20:
          v.genomeHash = utf8.decode(b.subarray(s, stop));
          break;
        case 21:
          v.initialPosition = vector(b, stop);
          break;
        case 27:
          v.deathCause = utf8.decode(b.subarray(s, stop));
          break;
        default:
          break;
      }
      cur.pos = stop;
      continue;
    }
    skip(b, wt, end);
  }
}

/** The organism id of an OrganismDelta b[from, end) (its first field as the engine writes it). */
export function deltaOrganismId(b: Uint8Array, from: number, end: number): number {
  cur.pos = from;
  while (cur.pos < end) {
    const key = uvarint(b, end);
    if (key === 0x08) return int32(b, end);
    skip(b, key & 7, end);
  }
  return 0;
}

/** Field mask bit of `is_dead` (field 14) in an OrganismDelta. */
export const DEAD_BIT = 1 << 13;

/** The id and changed-field mask of the OrganismDelta last read by readDeltaHeader. */
export const deltaHeader = { id: 0, mask: 0 };

/** Reads an OrganismDelta's id and mask (its first two fields as the engine writes them) into deltaHeader. */
export function readDeltaHeader(b: Uint8Array, from: number, end: number): void {
  cur.pos = from;
  deltaHeader.id = 0;
  deltaHeader.mask = 0;
  let seen = 0;
  while (cur.pos < end && seen < 2) {
    const key = uvarint(b, end);
    if (key === 0x08) {
      deltaHeader.id = int32(b, end);
      seen++;
    } else if (key === 0x10) {
      deltaHeader.mask = uvarint(b, end);
      seen++;
    } else skip(b, key & 7, end);
  }
}

/** The changed-field mask of an OrganismDelta b[from, end) (0 when it has none). */
export function deltaMask(b: Uint8Array, from: number, end: number): number {
  cur.pos = from;
  while (cur.pos < end) {
    const key = uvarint(b, end);
    if (key === 0x10) return uvarint(b, end);
    skip(b, key & 7, end);
  }
  return 0;
}

/** Applies the OrganismDelta b[from, end) to `v`, for the tracked fields. */
export function applyVitalsDelta(b: Uint8Array, from: number, end: number, v: OrganismVitals): void {
  cur.pos = from;
  let mask = 0;
  let stateStart = -1;
  let stateEnd = -1;
  let energyChange = 0;
  let entropyChange = 0;
  while (cur.pos < end) {
    const key = uvarint(b, end);
    if (key === 0x10) mask = uvarint(b, end);
    else if (key === 0x1a) {
      const len = uvarint(b, end);
      stateStart = cur.pos;
      stateEnd = cur.pos += len;
    } else if (key === 0x28 || key === 0x30) {
      const z = uvarint(b, end);
      const change = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      if (key === 0x28) energyChange = change;
      else entropyChange = change;
    } else skip(b, key & 7, end);
  }
  let m = mask & TRACKED_BITS;
  if (m & (1 << 5)) spareIp = v.ip; // reused when the state holds the new IP, dropped when it holds none
  while (m !== 0) {
    const low = m & -m;
    RESET[32 - Math.clz32(low)]!(v);
    m ^= low;
  }
  if (stateStart >= 0) readVitals(b, stateStart, stateEnd, v);
  spareIp = null;
  if (energyChange !== 0) v.energy = (v.energy + energyChange) | 0;
  if (entropyChange !== 0) v.entropyRegister = (v.entropyRegister + entropyChange) | 0;
}
