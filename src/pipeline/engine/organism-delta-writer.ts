/**
 * Writes the organisms of each sample for storage format 2: full states in a chunk's snapshot, and in its
 * deltas one OrganismDelta per organism holding only what changed since the organism's previous sample in
 * the chunk (proto/tickdata.proto). A mature world's organisms change a few scalars per tick (IP, energy,
 * the last instruction) while their ~50 registers and stacks mostly stay, so this writes ~20 bytes per
 * organism and sample instead of ~400, and spends ~tens of ns finding them instead of a full encoding.
 *
 * How changes are found, per organism, against a shadow of its values at the previous sample:
 * - IP, energy, entropy and the last instruction are compared (a few numbers);
 * - DV, data pointers, active pointer, marker, procedure, call frames, failure and death only when the runtime
 *   counted a write to them since the previous sample (`stateWrites`: about one sample in ten);
 * - registers: only the slots the runtime marked as written since the previous sample (`regDirtyLo/Hi`);
 * - the call stack when its depth or the runtime's `frameWrites` counter moved (frames change only on CALL/RET);
 * - data and location stacks by depth and content (they are short).
 * The output is canonical: a state rebuilt from the deltas encodes to the bytes of the full state
 * (test/unit/pipeline/organism-delta.test.ts).
 */
import type { Organism } from '../../runtime/index.js';
import { COMMON_HEADER_INTS, type OrganismDeltaJournal } from './organism-delta-journal.js';
import {
  ALL_FIELDS,
  COMMON_DELTA_FIELDS,
  DeltaField,
  putSint,
  writeOrganism,
  writeOrganismFields,
} from './organism-wire.js';
import type { ProtoWriter } from './proto-writer.js';

const {
  IP,
  DV,
  DPS,
  ACTIVE_DP,
  REGISTERS,
  DATA_STACK,
  LOCATION_STACK,
  CALL_STACK,
  DEAD,
  DEATH_TICK,
  FAILED,
  FAILURE_REASON,
  MARKER,
  LAST_OPCODE,
  LAST_MOLECULE,
  LAST_ENERGY_DELTA,
  LAST_ENTROPY_DELTA,
  CURRENT_PROC,
  DEATH_CAUSE,
} = DeltaField;
/** More changed registers than this are written as the whole bank (a slot list would cost more). */
const MAX_REGISTER_SLOTS = 16;

/** An organism's values at its previous sample. */
class Shadow {
  /** The chunk this shadow belongs to; a shadow of an earlier chunk is stale (the organism is written whole). */
  epoch = -1;
  er = 0;
  sr = 0;
  mr = 0;
  activeDp = 0;
  dead = false;
  deathTick = -1;
  failed = false;
  failureReason: string | null = null;
  deathCause: string | null = null;
  lastOpcode = 0;
  lastMolecule = 0;
  lastEnergyDelta = 0;
  lastEntropyDelta = 0;
  currentProc = 0;
  frameWrites = 0;
  stateWrites = 0;
  csLen = 0;
  dsLen = 0;
  lsLen = 0;
  readonly ip: Int32Array;
  readonly dv: Int32Array;
  readonly dps: Int32Array;
  readonly regIsVec: Uint8Array;
  readonly regScalar: Int32Array;
  readonly regVec: Int32Array;
  /** The register scalars and vectors as one view (adjacent in the buffer, as in the organism's). */
  private readonly regInts: Int32Array;
  /** The whole buffer: IP, DV, pointers and registers (one copy between two shadows of an organism). */
  private readonly all: Uint8Array;
  dsIsVec = new Uint8Array(0);
  dsScalar = new Int32Array(0);
  dsVec = new Int32Array(0);
  ls = new Int32Array(0);

  /** The organism's values at the chunk's snapshot (ACCUMULATED samples are written against them). */
  atSnapshot: Shadow | undefined;

  constructor(
    o: Organism,
    /** The writer this shadow belongs to (two writers over one simulation keep separate shadows). */
    readonly writer: object,
  ) {
    // One buffer for all of them (views): a shadow is read at every sample, right after the organism, and
    // adjacent values cost fewer cache misses than six separate allocations.
    const ints = o.ip.length + o.dv.length + o.dps.length + o.regScalar.length + o.regVec.length;
    const buffer = new ArrayBuffer(ints * 4 + o.regIsVec.length);
    let at = 0;
    const view = (n: number): Int32Array => {
      const v = new Int32Array(buffer, at * 4, n);
      at += n;
      return v;
    };
    this.ip = view(o.ip.length);
    this.dv = view(o.dv.length);
    this.dps = view(o.dps.length);
    const regStart = at;
    this.regScalar = view(o.regScalar.length);
    this.regVec = view(o.regVec.length);
    this.regInts = new Int32Array(buffer, regStart * 4, at - regStart);
    this.regIsVec = new Uint8Array(buffer, at * 4, o.regIsVec.length);
    this.all = new Uint8Array(buffer);
  }

  /** Takes every value of `o` (after a full write). `clearDirty`: the runtime's written-slot marks are consumed. */
  capture(o: Organism, epoch: number, clearDirty = true): void {
    this.epoch = epoch;
    this.er = o.er;
    this.sr = o.sr;
    this.mr = o.mr;
    this.activeDp = o.activeDp;
    this.dead = o.dead;
    this.deathTick = o.deathTick;
    this.failed = o.failed;
    this.failureReason = o.failureReason;
    this.deathCause = o.deathCause;
    this.lastOpcode = o.lastOpcode;
    this.lastMolecule = o.lastMolecule;
    this.lastEnergyDelta = o.lastEnergyDelta;
    this.lastEntropyDelta = o.lastEntropyDelta;
    this.currentProc = o.currentProc;
    if (clearDirty) {
      o.regDirtyLo = 0;
      o.regDirtyHi = 0;
    }
    this.frameWrites = o.frameWrites;
    this.stateWrites = o.stateWrites;
    this.csLen = o.csLen;
    // Loops for the few position values, one copy per register part: TypedArray#set is a call into the
    // runtime that costs more than copying a handful of numbers.
    copyInts(this.ip, o.ip, o.ip.length);
    copyInts(this.dv, o.dv, o.dv.length);
    copyInts(this.dps, o.dps, o.dps.length);
    this.regInts.set(o.regWords);
    this.regIsVec.set(o.regIsVec);
    this.takeDataStack(o);
    this.takeLocationStack(o);
  }

  /** Takes every value of another shadow (same organism). */
  copyFrom(x: Shadow): void {
    this.epoch = x.epoch;
    this.er = x.er;
    this.sr = x.sr;
    this.mr = x.mr;
    this.activeDp = x.activeDp;
    this.dead = x.dead;
    this.deathTick = x.deathTick;
    this.failed = x.failed;
    this.failureReason = x.failureReason;
    this.deathCause = x.deathCause;
    this.lastOpcode = x.lastOpcode;
    this.lastMolecule = x.lastMolecule;
    this.lastEnergyDelta = x.lastEnergyDelta;
    this.lastEntropyDelta = x.lastEntropyDelta;
    this.currentProc = x.currentProc;
    this.frameWrites = x.frameWrites;
    this.stateWrites = x.stateWrites;
    this.csLen = x.csLen;
    this.all.set(x.all); // same organism, same layout
    const dims = this.ip.length;
    this.setDataStack(x.dsIsVec, x.dsScalar, x.dsVec, x.dsLen, dims);
    this.setLocationStack(x.ls, x.lsLen, dims);
  }

  takeDataStack(o: Organism): void {
    this.setDataStack(o.dsIsVec, o.dsScalar, o.dsVec, o.dsLen, o.dims);
  }

  takeLocationStack(o: Organism): void {
    this.setLocationStack(o.ls, o.lsLen, o.dims);
  }

  /* Stacks are short (often empty): loops, no subarray views allocated per copy. */
  private setDataStack(isVec: Uint8Array, scalar: Int32Array, vec: Int32Array, n: number, dims: number): void {
    if (this.dsScalar.length < n) {
      const cap = Math.max(n, this.dsScalar.length * 2, 8);
      this.dsIsVec = new Uint8Array(cap);
      this.dsScalar = new Int32Array(cap);
      this.dsVec = new Int32Array(cap * dims);
    }
    this.dsLen = n;
    for (let i = 0; i < n; i++) {
      this.dsIsVec[i] = isVec[i]!;
      this.dsScalar[i] = scalar[i]!;
    }
    copyInts(this.dsVec, vec, n * dims);
  }

  private setLocationStack(ls: Int32Array, len: number, dims: number): void {
    const n = len * dims;
    if (this.ls.length < n) this.ls = new Int32Array(Math.max(n, this.ls.length * 2, 8));
    this.lsLen = len;
    copyInts(this.ls, ls, n);
  }
}

function copyInts(to: Int32Array, from: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) to[i] = from[i]!;
}

function sameInts(a: Int32Array, b: Int32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function dataStackChanged(s: Shadow, o: Organism): boolean {
  const n = o.dsLen;
  if (n !== s.dsLen) return true;
  if (n === 0) return false;
  const dims = o.dims;
  for (let i = 0; i < n; i++) {
    const v = o.dsIsVec[i]!;
    if (v !== s.dsIsVec[i] || o.dsScalar[i] !== s.dsScalar[i]) return true;
    if (v) for (let d = i * dims, e = d + dims; d < e; d++) if (o.dsVec[d] !== s.dsVec[d]) return true;
  }
  return false;
}

export class OrganismDeltaWriter {
  private epoch = 0;
  /** Organisms the last `full` or `delta` wrote. */
  count = 0;
  /** Changed register slots of the organism being written (reused). */
  private readonly slots = new Uint8Array(256);
  private slotCount = 0;
  /** Energy and entropy change of the organism being written. */
  private energyChange = 0;
  private entropyChange = 0;

  constructor(private readonly organisms: () => Iterable<Organism>) {}

  /** A shadow to compare against without changing the one it was copied from (sized for `o`). */
  private scratch: Shadow | undefined;
  private scratchFor(o: Organism): Shadow {
    const s = this.scratch;
    if (s && s.ip.length === o.ip.length && s.dps.length === o.dps.length && s.regVec.length === o.regVec.length)
      return s;
    return (this.scratch = new Shadow(o, this));
  }

  private shadowOf(o: Organism): Shadow {
    // A property read instead of instanceof (a prototype walk per organism and sample): only a Shadow of this
    // writer has `writer === this`.
    const s = o.recorderState as Shadow | undefined;
    if (s !== undefined && s.writer === this) return s;
    const fresh = new Shadow(o, this);
    o.recorderState = fresh;
    return fresh;
  }

  /** Every organism's full state (a snapshot); the deltas that follow are against it. */
  full(w: ProtoWriter, fieldTag: number): void {
    const epoch = ++this.epoch;
    let count = 0;
    for (const o of this.organisms()) {
      count++;
      writeOrganism(w, fieldTag, o);
      const s = this.shadowOf(o);
      s.capture(o, epoch);
      (s.atSnapshot ??= new Shadow(o, this)).capture(o, epoch, false);
    }
    this.count = count;
  }

  /**
   * One OrganismDelta per organism, recorded in `journal` (encoded there or later, elsewhere): against its
   * previous sample in this chunk, or with `sinceSnapshot` (ACCUMULATED samples) against the chunk's snapshot, so
   * a reader rebuilds any sample from the snapshot, one accumulated sample and the incremental ones after it.
   */
  delta(journal: OrganismDeltaJournal, sinceSnapshot = false): void {
    const epoch = this.epoch;
    const fieldTag = journal.fieldTag;
    let count = 0;
    for (const o of this.organisms()) {
      count++;
      const shadow = this.shadowOf(o);
      if (shadow.epoch !== epoch || (sinceSnapshot && shadow.atSnapshot?.epoch !== epoch)) {
        // Not in this chunk's previous samples (or, against the snapshot, not in the snapshot): the whole state.
        const w = journal.beginRaw();
        w.tag(fieldTag);
        w.fork();
        w.intField(0x08, o.id);
        w.tag(0x10);
        w.uvarint(ALL_FIELDS);
        writeOrganism(w, 0x1a, o);
        w.ldelim();
        journal.endRaw();
        shadow.capture(o, epoch);
        continue;
      }
      let s = shadow;
      if (sinceSnapshot) {
        // The organism was in the snapshot: compare every register with the snapshot's (the written-slot marks
        // cover only the last sample), then continue incremental samples from here.
        s = this.scratchFor(o);
        s.copyFrom(shadow.atSnapshot!);
        o.regDirtyLo = -1;
        o.regDirtyHi = 0xffff;
      }
      const mask = this.changes(o, s, journal);
      if (sinceSnapshot) shadow.capture(o, epoch);
      if ((mask & ~COMMON_DELTA_FIELDS) === 0) continue; // recorded by changes()
      const w = journal.beginRaw();
      w.tag(fieldTag);
      w.fork();
      w.intField(0x08, o.id);
      w.intField(0x10, mask);
      writeOrganismFields(w, 0x1a, o, mask, this.slots, this.slotCount);
      if (this.slotCount > 0) {
        w.tag(0x22);
        w.uvarint(this.slotCount); // slots < 128: one byte each
        w.ensure(this.slotCount);
        for (let k = 0; k < this.slotCount; k++) w.buf[w.pos++] = this.slots[k]!;
      }
      w.ensure(12);
      w.pos = putSint(w.buf, w.pos, 0x28, this.energyChange);
      w.pos = putSint(w.buf, w.pos, 0x30, this.entropyChange);
      w.ldelim();
      journal.endRaw();
    }
    this.count = count;
  }

  /** Appends the slots of `bits` (+ `base`) whose value differs from the shadow, updating it; returns the count. */
  private changedSlots(o: Organism, s: Shadow, bits: number, base: number, count: number): number {
    const dims = o.dims;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const i = base + 31 - Math.clz32(low);
      const v = o.regIsVec[i]!;
      let changed = v !== s.regIsVec[i] || o.regScalar[i] !== s.regScalar[i];
      for (let d = i * dims, e = d + dims; d < e; d++) {
        if (o.regVec[d] !== s.regVec[d]) {
          changed = true;
          s.regVec[d] = o.regVec[d]!;
        }
      }
      if (changed) {
        s.regIsVec[i] = v;
        s.regScalar[i] = o.regScalar[i]!;
        this.slots[count++] = i;
      }
    }
    return count;
  }

  /**
   * The fields of `o` that differ from its shadow (a mask), with the changed register slots in
   * `slots[0, slotCount)`; the shadow takes the new values. The same pass writes the values into a COMMON record of
   * `journal` (its layout: organism-delta-journal.ts), committed when every changed field is a common one, so each
   * value is read once, while the organism is in cache. Positions and scalars are stored whether they changed or
   * not and the record's end moves past them only when they did: fewer branches than compare-then-copy.
   */
  private changes(o: Organism, s: Shadow, journal: OrganismDeltaJournal): number {
    const dims = o.dims;
    const dps = o.dps;
    const dpsLen = dps.length;
    const r = journal.reserve(2 * dims + 1 + dpsLen + 7 + MAX_REGISTER_SLOTS * (3 + dims));
    let n = journal.length + COMMON_HEADER_INTS;
    let mask = 0;
    // DV, pointers, active pointer, marker, frames, procedure, failure and death change in about one sample in
    // ten: compared only when the runtime counted a write to them (Organism.stateWrites).
    const rare = o.stateWrites !== s.stateWrites;
    const energyChange = (o.er - s.er) | 0;
    s.er = o.er;
    const entropyChange = (o.sr - s.sr) | 0;
    s.sr = o.sr;
    // Plain loops: TypedArray#set and helper calls cost more than these few numbers (this runs for every
    // organism at every sample).
    const ip = o.ip;
    const sip = s.ip;
    const dv = o.dv;
    const sdv = s.dv;
    const sdps = s.dps;
    let diff = 0;
    if (dims === 2 && dpsLen === 4) {
      // The 2-D worlds nearly every run uses: straight-line code instead of three short loops.
      const i0 = ip[0]!;
      const i1 = ip[1]!;
      diff = (i0 ^ sip[0]!) | (i1 ^ sip[1]!);
      sip[0] = i0;
      sip[1] = i1;
      r[n] = i0;
      r[n + 1] = i1;
      if (diff !== 0) {
        mask |= IP;
        n += 2;
      }
      if (rare) {
        const v0 = dv[0]!;
        const v1 = dv[1]!;
        diff = (v0 ^ sdv[0]!) | (v1 ^ sdv[1]!);
        sdv[0] = v0;
        sdv[1] = v1;
        r[n] = v0;
        r[n + 1] = v1;
        if (diff !== 0) {
          mask |= DV;
          n += 2;
        }
        const p0 = dps[0]!;
        const p1 = dps[1]!;
        const p2 = dps[2]!;
        const p3 = dps[3]!;
        diff = (p0 ^ sdps[0]!) | (p1 ^ sdps[1]!) | (p2 ^ sdps[2]!) | (p3 ^ sdps[3]!);
        if (diff !== 0) {
          sdps[0] = p0;
          sdps[1] = p1;
          sdps[2] = p2;
          sdps[3] = p3;
          r[n] = 4;
          r[n + 1] = p0;
          r[n + 2] = p1;
          r[n + 3] = p2;
          r[n + 4] = p3;
          mask |= DPS;
          n += 5;
        }
      }
    } else {
      for (let d = 0; d < dims; d++) {
        const v = ip[d]!;
        diff |= v ^ sip[d]!;
        sip[d] = v;
        r[n + d] = v;
      }
      if (diff !== 0) {
        mask |= IP;
        n += dims;
      }
      if (rare) {
        diff = 0;
        for (let d = 0; d < dims; d++) {
          const v = dv[d]!;
          diff |= v ^ sdv[d]!;
          sdv[d] = v;
          r[n + d] = v;
        }
        if (diff !== 0) {
          mask |= DV;
          n += dims;
        }
        diff = 0;
        r[n] = dpsLen;
        for (let d = 0; d < dpsLen; d++) {
          const v = dps[d]!;
          diff |= v ^ sdps[d]!;
          sdps[d] = v;
          r[n + 1 + d] = v;
        }
        if (diff !== 0) {
          mask |= DPS;
          n += 1 + dpsLen;
        }
      }
    }
    let v: number;
    if (rare) {
      v = o.activeDp;
      r[n] = v;
      if (v !== s.activeDp) {
        mask |= ACTIVE_DP;
        s.activeDp = v;
        n++;
      }
      v = o.mr;
      r[n] = v;
      if (v !== s.mr) {
        mask |= MARKER;
        s.mr = v;
        n++;
      }
    }
    v = o.lastOpcode;
    r[n] = v;
    if (v !== s.lastOpcode) {
      mask |= LAST_OPCODE;
      s.lastOpcode = v;
      n++;
    }
    v = o.lastMolecule;
    r[n] = v;
    if (v !== s.lastMolecule) {
      mask |= LAST_MOLECULE;
      s.lastMolecule = v;
      n++;
    }
    v = o.lastEnergyDelta;
    r[n] = v;
    if (v !== s.lastEnergyDelta) {
      mask |= LAST_ENERGY_DELTA;
      s.lastEnergyDelta = v;
      n++;
    }
    v = o.lastEntropyDelta;
    r[n] = v;
    if (v !== s.lastEntropyDelta) {
      mask |= LAST_ENTROPY_DELTA;
      s.lastEntropyDelta = v;
      n++;
    }
    if (rare) {
      v = o.currentProc;
      r[n] = v;
      if (v !== s.currentProc) {
        mask |= CURRENT_PROC;
        s.currentProc = v;
        n++;
      }
    }
    let slotCount = 0;
    if ((o.regDirtyLo | o.regDirtyHi) !== 0) {
      slotCount = this.changedSlots(o, s, o.regDirtyLo, 0, slotCount);
      slotCount = this.changedSlots(o, s, o.regDirtyHi, 32, slotCount);
      o.regDirtyLo = 0;
      o.regDirtyHi = 0;
      if (slotCount > MAX_REGISTER_SLOTS) {
        mask |= REGISTERS;
        slotCount = 0;
      } else {
        const slots = this.slots;
        for (let k = 0; k < slotCount; k++) {
          const i = slots[k]!;
          r[n++] = i;
          r[n++] = o.regIsVec[i]!;
          r[n++] = o.regScalar[i]!;
          for (let d = i * dims, e = d + dims; d < e; d++) r[n++] = o.regVec[d]!;
        }
      }
    }
    // The rarer fields: any of them makes the delta a RAW one (written whole by the caller).
    if ((o.dsLen | s.dsLen) !== 0 && dataStackChanged(s, o)) {
      mask |= DATA_STACK;
      s.takeDataStack(o);
    }
    if (o.lsLen !== s.lsLen || (o.lsLen > 0 && !sameInts(o.ls, s.ls, o.lsLen * dims))) {
      mask |= LOCATION_STACK;
      s.takeLocationStack(o);
    }
    if (rare) {
      s.stateWrites = o.stateWrites;
      if (o.csLen !== s.csLen || o.frameWrites !== s.frameWrites) {
        mask |= CALL_STACK;
        s.csLen = o.csLen;
        s.frameWrites = o.frameWrites;
      }
      if (o.dead !== s.dead) {
        mask |= DEAD;
        s.dead = o.dead;
      }
      if (o.deathTick !== s.deathTick) {
        mask |= DEATH_TICK;
        s.deathTick = o.deathTick;
      }
      if (o.failed !== s.failed) {
        mask |= FAILED;
        s.failed = o.failed;
      }
      if (o.failureReason !== s.failureReason) {
        mask |= FAILURE_REASON;
        s.failureReason = o.failureReason;
      }
      if (o.deathCause !== s.deathCause) {
        mask |= DEATH_CAUSE;
        s.deathCause = o.deathCause;
      }
    }
    if ((mask & ~COMMON_DELTA_FIELDS) === 0)
      journal.commitCommon(n, o.id, mask, slotCount, energyChange, entropyChange, dims);
    this.slotCount = slotCount;
    this.energyChange = energyChange;
    this.entropyChange = entropyChange;
    return mask;
  }
}
