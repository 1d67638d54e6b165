import { OrganismMemory } from './organism-memory.js';
import { OPCODES } from '../isa/opcodes.js';
import { OrganismRandom } from './rng/organism-random.js';

/** Centralised VM constants (the reference keeps them fixed too). */
export const NUM_DATA_POINTERS = 2;
export const DATA_STACK_MAX = 1024;
export const LOCATION_STACK_MAX = 128;
export const CALL_STACK_MAX = 128;
export const STATIC_PROCEDURES_MAX = 1024;

/** Register banks in slot order: DR, LR, PDR, PLR, FDR, FLR, SDR, SLR (ids are bank*256 + index). */
export const BANK_COUNT = [8, 4, 8, 4, 8, 4, 8, 4] as const;
export const BANK_SLOT = [0, 8, 12, 20, 24, 32, 36, 44] as const;
export const REGISTER_SLOTS = 48;
export const BANK_IS_LOCATION = [false, true, false, true, false, true, false, true] as const;
/** PDR, PLR, FDR, FLR: snapshotted on CALL, restored on RET. Contiguous slots 12..35. */
export const FRAME_SLOT_START = 12;
export const FRAME_SLOT_COUNT = 24;
/** SDR, SLR: one saved copy per procedure. Slots 36..47. */
export const STATIC_SLOT_START = 36;
export const STATIC_SLOT_COUNT = 12;
/** The static-register key of the main level (outside any procedure). */
export const MAIN_LEVEL = -1;

/** Register id → slot, or -1 for an id that names no register. */
export function registerSlot(id: number): number {
  if (id < 0) return -1;
  const bank = id >> 8;
  const index = id & 0xff;
  if (bank > 7 || index >= BANK_COUNT[bank as 0]) return -1;
  return BANK_SLOT[bank as 0] + index;
}

export function isLocationSlot(slot: number): boolean {
  return (slot >= 8 && slot < 12) || (slot >= 20 && slot < 24) || (slot >= 32 && slot < 36) || slot >= 44;
}

const NO_DECODE = new Int32Array(0);

/**
 * Decoded-instruction cache geometry (the VM fills it): entries per organism (a power of two) and ints per entry.
 * 64 entries hold a replicator's hot loop; 256 made each organism's cache 13 KB, which cost more in memory misses
 * at thousands of organisms than the extra hits saved.
 */
export const DECODE_ENTRIES = 64;
export function decodeEntryInts(dims: number): number {
  return 7 + 3 * dims;
}

/** Ints and bytes of an organism's hot state (see the constructor's layout). */
function hotStateInts(dims: number): number {
  return SCALAR_SLOTS + 8 * dims + 6 + 3 * dims + REGISTER_SLOTS + REGISTER_SLOTS * dims;
}
function hotStateBytes(dims: number): number {
  return hotStateInts(dims) * 4 + 3 + REGISTER_SLOTS;
}

/** Bytes of an OrganismMemory block for `dims`: the hot state, on whole cache lines, then the decode cache. */
export function organismBlockBytes(dims: number): number {
  return ((hotStateBytes(dims) + 63) & ~63) + DECODE_ENTRIES * decodeEntryInts(dims) * 4;
}

/**
 * Slots of an organism's scalar state in its memory block (`Organism.scalars`): everything planning reads or
 * writes besides the typed arrays, so a plan worker sharing the block sees and sets what the owning thread does.
 * Booleans are 0/1.
 */
const S_FAILED = 0;
const S_PREVIOUS_FAILED = 1;
const S_STATE_WRITES = 2;
const S_SKIP_IP_ADVANCE = 3;
const S_IP_ON_LINE = 4;
const S_DV_DIRTY = 5;
const S_AXIS = 6;
const S_AXIS_SIGN = 7;
const S_AXIS_SIZE = 8;
const S_AXIS_STRIDE = 9;
const S_DV_UNIT = 10;
const S_DIR_CODE = 11;
const S_PEEK_COUNT = 12;
const S_OP_N = 13;
const S_PLANNED_TARGET = 14;
const S_LINE_BASE = 15;
const S_LINE_INSIDE = 16;
const S_DECODE_GENERATION = 17;
const S_DECODE_ENTRY = 18;
const S_PLANNED_OPCODE = 19;
const S_PLANNED_INDEX = 20;
const S_PLANNED_LENGTH = 21;
const S_PLANNED_WAVE2 = 22;
const S_LAST_NAME = 23;
const S_LAST_OPCODE = 24;
const S_LAST_MOLECULE = 25;
const S_PLAN_DEFERRED = 26;
const S_DEAD = 27;
const S_FAILURE_CODE = 28;
const S_FAILURE_ARG = 29;
/** Ints of `Organism.scalars` (two cache lines). */
const SCALAR_SLOTS = 32;

/** Failures found while planning, kept as a code and a number (a plan worker cannot hand the owner a string). */
export const PlanFailure = { INVALID_REGISTER: 1, UNKNOWN_OPCODE: 2 } as const;
export type PlanFailure = (typeof PlanFailure)[keyof typeof PlanFailure];

/** `S_FAILURE_CODE` besides the PlanFailure codes: no failure, or the reason is the owner's text. */
const FAILURE_NONE = 0;
const FAILURE_TEXT = -1;
/** `lastName` codes besides dense opcode index + 1. */
const LAST_NAME_NOP = -1;
const LAST_NAME_UNKNOWN = -2;
/** Dense opcode index (the VM's, in OPCODES order) → mnemonic, and back. */
const OPCODE_NAMES = OPCODES.map((o) => o.name);
const OPCODE_NAME_INDEX = new Map(OPCODE_NAMES.map((n, i) => [n, i]));

/** An existing block of an organism memory's pages, as another thread sees it (see Organism's `memory`). */
export interface OrganismBlock {
  readonly block: number;
  readonly buffer: ArrayBufferLike;
  readonly offset: number;
  readonly blockBytes: number;
}

/** A saved copy of a register range (used for call frames and static banks). */
export interface RegisterSnapshot {
  isVec: Uint8Array;
  scalar: Int32Array;
  vec: Int32Array;
}

export type DeathCause = 'energy' | 'entropy' | 'other';

/**
 * One organism: a small VM whose state lives in typed arrays so executing an instruction allocates
 * nothing. Data registers and data-stack entries hold either a packed scalar molecule or a vector
 * (`isVec` flag + scalar + `dims` vector components per slot). Location registers always hold vectors.
 */
export class Organism {
  readonly id: number;
  readonly dims: number;
  /**
   * The scalars planning reads and writes (slots S_*, behind the accessors below), in the organism's memory block:
   * plan workers of a multi-threaded simulation see the same values through views of their own.
   */
  readonly scalars: Int32Array;
  /** A plan-phase failure's message as text (see `failureReason`). */
  private failureText: string | null = null;
  // ---- hot per-instruction state first: V8 lays fields out in declaration order ----
  readonly ip: Int32Array;
  readonly dv: Int32Array;
  /** Both data pointers, `dims` components each. */
  readonly dps: Int32Array;
  activeDp = 0;
  readonly ipBefore: Int32Array;
  readonly dvBefore: Int32Array;
  er: number;
  sr = 0;
  readonly regIsVec: Uint8Array;
  readonly regScalar: Int32Array;
  readonly regVec: Int32Array;
  /** `regScalar` and `regVec` as one view (adjacent in the buffer): the recorder compares and copies them whole. */
  readonly regWords: Int32Array;
  /**
   * Register slots written since the recorder last looked (bit s of lo for slots 0-31, bit s-32 of hi for
   * 32-47), and a count of call-frame changes. The recorder reads and clears the bits at every sample, so it
   * compares only written slots instead of every slot of every organism. Every writer of the register bank
   * or the call stack must mark it.
   */
  regDirtyLo = 0;
  regDirtyHi = 0;
  frameWrites = 0;
  /** Opaque per-organism state of the recorder (its copy of the values at the previous sample); never read here. */
  recorderState: unknown = undefined;
  /** Data stack storage; starts small and grows (up to DATA_STACK_MAX) so idle organisms stay light. */
  dsIsVec = new Uint8Array(16);
  dsScalar = new Int32Array(16);
  dsVec: Int32Array;
  dsLen = 0;
  lastEnergyDelta = 0;
  lastEntropyDelta = 0;
  // The recorder reads these at every sample with the ones above: kept next to them (fewer cache lines).
  deathTick = -1;
  mr = 0;
  lsLen = 0;
  /** Call frames in use (storage below). */
  csLen = 0;
  currentProc = MAIN_LEVEL;
  deathCause: DeathCause | null = null;
  readonly random: OrganismRandom;
  /**
   * Decoded-instruction cache (direct-mapped, owned by the VM): per entry the IP cell, the world's code
   * epoch, the fetch direction, the molecule, its dense opcode index and the raw operand cells.
   */
  decode: Int32Array = NO_DECODE;
  /** The decode cache's place in this organism's memory block (empty: the VM allocates one). */
  readonly decodeStore: Int32Array = NO_DECODE;
  /** This organism's OrganismMemory block (-1: buffers of its own, or released when it was pruned). */
  memoryBlock = -1;
  /** Whether the random stream has been bound to the simulation clock. */
  randomBound = false;
  /** Resolved operands: count, scalar/vector flag, packed scalar, vector components, register id (-1 if none). */
  readonly opIsVec: Uint8Array;
  readonly opScalar: Int32Array;
  readonly opVec: Int32Array;
  readonly opReg: Int32Array;
  // ---- colder state ----
  parentId: number | null = null;
  birthTick: number;
  programId = '';
  genomeHash = '';

  readonly initialPosition: Int32Array;

  readonly ls: Int32Array;

  /** Call frames: label hash, return IP, CALL IP, saved PDR/PLR/FDR/FLR. Storage grows on demand. */
  csLabel = new Int32Array(0);
  csReturnIp = new Int32Array(0);
  csCallIp = new Int32Array(0);
  csSaved: RegisterSnapshot[] = [];
  /** Static (SDR/SLR) banks per procedure label hash; the active one lives in the register slots. */
  staticBanks = new Map<number, RegisterSnapshot>();

  constructor(
    id: number,
    position: ArrayLike<number>,
    energy: number,
    birthTick: number,
    /**
     * Where the hot state and decode cache live: a new block of a simulation's pages; an existing block, viewed as
     * it is (a plan worker's view of an organism it does not own: nothing is written); without it, buffers of its
     * own.
     */
    memory?: OrganismMemory | OrganismBlock,
  ) {
    const dims = position.length;
    this.id = id;
    this.dims = dims;
    this.birthTick = birthTick;
    this.er = energy;
    // The state touched by every instruction lives in one buffer (views), so an organism's hot data is
    // contiguous in memory: IP, DV, their pre-fetch copies, DPs, operands and registers.
    let buffer: ArrayBufferLike;
    let at = 0;
    const attached = memory !== undefined && !(memory instanceof OrganismMemory);
    if (memory) {
      if (memory.blockBytes !== organismBlockBytes(dims))
        throw new RangeError(`organism memory blocks of ${memory.blockBytes} bytes do not fit ${dims}-D organisms`);
      let offset: number;
      if (memory instanceof OrganismMemory) {
        const block = memory.allocate();
        this.memoryBlock = block;
        buffer = memory.bufferOf(block);
        offset = memory.offsetOf(block);
      } else {
        this.memoryBlock = memory.block;
        buffer = memory.buffer;
        offset = memory.offset;
      }
      at = offset / 4;
      const decodeInts = DECODE_ENTRIES * decodeEntryInts(dims);
      this.decodeStore = new Int32Array(buffer, offset + memory.blockBytes - decodeInts * 4, decodeInts);
    } else buffer = new ArrayBuffer(hotStateBytes(dims));
    const view = (n: number): Int32Array => {
      const v = new Int32Array(buffer, at * 4, n);
      at += n;
      return v;
    };
    this.scalars = view(SCALAR_SLOTS);
    this.ip = view(dims);
    this.dv = view(dims);
    this.ipBefore = view(dims);
    this.dvBefore = view(dims);
    this.dps = view(NUM_DATA_POINTERS * dims);
    this.initialPosition = view(dims);
    this.opScalar = view(3);
    this.opReg = view(3);
    this.opVec = view(3 * dims);
    this.regScalar = view(REGISTER_SLOTS);
    this.regVec = view(REGISTER_SLOTS * dims);
    this.regWords = new Int32Array(buffer, this.regScalar.byteOffset, REGISTER_SLOTS * (1 + dims));
    this.opIsVec = new Uint8Array(buffer, at * 4, 3);
    this.regIsVec = new Uint8Array(buffer, at * 4 + 3, REGISTER_SLOTS);
    this.dsVec = new Int32Array(16 * dims);
    this.ls = new Int32Array(LOCATION_STACK_MAX * dims);
    this.random = new OrganismRandom(id);
    if (this.decodeStore.length > 0) this.decode = this.decodeStore;
    if (attached) {
      this.randomBound = true; // the owner binds and draws; a plan worker never does
      return;
    }
    this.ip.set(Array.from(position));
    this.dv[0] = 1;
    this.ipBefore.set(this.ip);
    this.dvBefore.set(this.dv);
    for (let p = 0; p < NUM_DATA_POINTERS; p++) this.dps.set(this.ip, p * dims);
    this.initialPosition.set(this.ip);
    for (let s = 0; s < REGISTER_SLOTS; s++) if (isLocationSlot(s)) this.regIsVec[s] = 1;
    const sc = this.scalars;
    sc[S_AXIS_SIGN] = 1;
    sc[S_DIR_CODE] = -1;
    sc[S_DECODE_GENERATION] = -1;
    sc[S_DECODE_ENTRY] = -1;
    sc[S_DV_UNIT] = 1;
    sc[S_DV_DIRTY] = 1;
    sc[S_LINE_INSIDE] = 1;
    sc[S_PLANNED_LENGTH] = 1;
    sc[S_PLANNED_TARGET] = -1;
    sc[S_LAST_OPCODE] = -1;
  }

  // ---- scalar state in the memory block (see S_*) ----
  get failed(): boolean {
    return this.scalars[S_FAILED] === 1;
  }
  set failed(v: boolean) {
    this.scalars[S_FAILED] = v ? 1 : 0;
  }
  get previousFailed(): boolean {
    return this.scalars[S_PREVIOUS_FAILED] === 1;
  }
  set previousFailed(v: boolean) {
    this.scalars[S_PREVIOUS_FAILED] = v ? 1 : 0;
  }
  get dead(): boolean {
    return this.scalars[S_DEAD] === 1;
  }
  set dead(v: boolean) {
    this.scalars[S_DEAD] = v ? 1 : 0;
  }
  /**
   * Counts writes to the state that changes in about one sample in ten: DV, data pointers, active pointer, marker,
   * call frames (and the procedure), failure and death. The recorder compares those only when the count moved, so
   * every writer of them must count (test/unit/runtime/state-writes.test.ts checks it on random genomes).
   */
  get stateWrites(): number {
    return this.scalars[S_STATE_WRITES]!;
  }
  set stateWrites(v: number) {
    this.scalars[S_STATE_WRITES] = v;
  }
  get skipIpAdvance(): boolean {
    return this.scalars[S_SKIP_IP_ADVANCE] === 1;
  }
  set skipIpAdvance(v: boolean) {
    this.scalars[S_SKIP_IP_ADVANCE] = v ? 1 : 0;
  }
  /** True while the IP is known to be on the line planned this tick (only moved along the DV axis). */
  get ipOnLine(): boolean {
    return this.scalars[S_IP_ON_LINE] === 1;
  }
  set ipOnLine(v: boolean) {
    this.scalars[S_IP_ON_LINE] = v ? 1 : 0;
  }
  /** Set whenever `dv` is written; planning then refreshes `dvBefore` and the cached axis. */
  get dvDirty(): boolean {
    return this.scalars[S_DV_DIRTY] === 1;
  }
  set dvDirty(v: boolean) {
    this.scalars[S_DV_DIRTY] = v ? 1 : 0;
  }
  /** The single axis (and its step) the pre-fetch DV moves along: first non-zero component (default +axis 0). */
  get axis(): number {
    return this.scalars[S_AXIS]!;
  }
  set axis(v: number) {
    this.scalars[S_AXIS] = v;
  }
  get axisSign(): number {
    return this.scalars[S_AXIS_SIGN]!;
  }
  set axisSign(v: number) {
    this.scalars[S_AXIS_SIGN] = v;
  }
  /** World extent and flat-index stride along `axis` (cached with it). */
  get axisSize(): number {
    return this.scalars[S_AXIS_SIZE]!;
  }
  set axisSize(v: number) {
    this.scalars[S_AXIS_SIZE] = v;
  }
  get axisStride(): number {
    return this.scalars[S_AXIS_STRIDE]!;
  }
  set axisStride(v: number) {
    this.scalars[S_AXIS_STRIDE] = v;
  }
  /** True when the pre-fetch DV is a unit axis vector (the common case; enables fast IP moves). */
  get dvUnit(): boolean {
    return this.scalars[S_DV_UNIT] === 1;
  }
  set dvUnit(v: boolean) {
    this.scalars[S_DV_UNIT] = v ? 1 : 0;
  }
  /** Operand-fetch direction of the cached axis: axis*2 + (sign > 0), or -1 when the step is not ±1. */
  get dirCode(): number {
    return this.scalars[S_DIR_CODE]!;
  }
  set dirCode(v: number) {
    this.scalars[S_DIR_CODE] = v;
  }
  /** Stack entries peeked at plan time; popped when the instruction executes. */
  get peekCount(): number {
    return this.scalars[S_PEEK_COUNT]!;
  }
  set peekCount(v: number) {
    this.scalars[S_PEEK_COUNT] = v;
  }
  /** Resolved operand count (the operands themselves: `opIsVec`, `opScalar`, `opVec`, `opReg`). */
  get opN(): number {
    return this.scalars[S_OP_N]!;
  }
  set opN(v: number) {
    this.scalars[S_OP_N] = v;
  }
  /** Target cell reported for conflict resolution (-1: none). */
  get plannedTarget(): number {
    return this.scalars[S_PLANNED_TARGET]!;
  }
  set plannedTarget(v: number) {
    this.scalars[S_PLANNED_TARGET] = v;
  }
  /** Flat index of the IP's line without the axis term, and whether that line lies inside the world. */
  get lineBase(): number {
    return this.scalars[S_LINE_BASE]!;
  }
  set lineBase(v: number) {
    this.scalars[S_LINE_BASE] = v;
  }
  get lineInside(): boolean {
    return this.scalars[S_LINE_INSIDE] === 1;
  }
  set lineInside(v: boolean) {
    this.scalars[S_LINE_INSIDE] = v ? 1 : 0;
  }
  /** World code generation the decode cache belongs to (-1: not allocated yet). */
  get decodeGeneration(): number {
    return this.scalars[S_DECODE_GENERATION]!;
  }
  set decodeGeneration(v: number) {
    this.scalars[S_DECODE_GENERATION] = v;
  }
  /** Offset of this tick's instruction in `decode` (-1: planned without the cache). */
  get decodeEntry(): number {
    return this.scalars[S_DECODE_ENTRY]!;
  }
  set decodeEntry(v: number) {
    this.scalars[S_DECODE_ENTRY] = v;
  }
  /** Opcode to dispatch: a registered opcode, or -1 for "runs as NOP" (non-code molecule / unknown opcode). */
  get plannedOpcode(): number {
    return this.scalars[S_PLANNED_OPCODE]!;
  }
  set plannedOpcode(v: number) {
    this.scalars[S_PLANNED_OPCODE] = v;
  }
  /** Dense index of the planned opcode in the VM's tables (valid when plannedOpcode >= 0). */
  get plannedIndex(): number {
    return this.scalars[S_PLANNED_INDEX]!;
  }
  set plannedIndex(v: number) {
    this.scalars[S_PLANNED_INDEX] = v;
  }
  get plannedLength(): number {
    return this.scalars[S_PLANNED_LENGTH]!;
  }
  set plannedLength(v: number) {
    this.scalars[S_PLANNED_LENGTH] = v;
  }
  get plannedWave2(): boolean {
    return this.scalars[S_PLANNED_WAVE2] === 1;
  }
  set plannedWave2(v: boolean) {
    this.scalars[S_PLANNED_WAVE2] = v ? 1 : 0;
  }
  /** Set by a plan worker that stopped at a stack operand: the owning thread resolves the operands. */
  get planDeferred(): boolean {
    return this.scalars[S_PLAN_DEFERRED] === 1;
  }
  set planDeferred(v: boolean) {
    this.scalars[S_PLAN_DEFERRED] = v ? 1 : 0;
  }
  /** The last planned instruction: opcode (-1 = none yet) and the molecule at the IP. */
  get lastOpcode(): number {
    return this.scalars[S_LAST_OPCODE]!;
  }
  set lastOpcode(v: number) {
    this.scalars[S_LAST_OPCODE] = v;
  }
  get lastMolecule(): number {
    return this.scalars[S_LAST_MOLECULE]!;
  }
  set lastMolecule(v: number) {
    this.scalars[S_LAST_MOLECULE] = v;
  }
  /** The last planned instruction's mnemonic (null before the first plan). */
  get lastName(): string | null {
    const k = this.scalars[S_LAST_NAME]!;
    if (k > 0) return OPCODE_NAMES[k - 1]!;
    return k === 0 ? null : k === LAST_NAME_NOP ? 'NOP' : 'UNKNOWN';
  }
  set lastName(v: string | null) {
    if (v === null) this.scalars[S_LAST_NAME] = 0;
    else if (v === 'UNKNOWN') this.scalars[S_LAST_NAME] = LAST_NAME_UNKNOWN;
    else if (v === 'NOP' && !OPCODE_NAME_INDEX.has(v)) this.scalars[S_LAST_NAME] = LAST_NAME_NOP;
    else {
      const i = OPCODE_NAME_INDEX.get(v);
      if (i === undefined) throw new RangeError(`"${v}" is not an instruction name`);
      this.scalars[S_LAST_NAME] = i + 1;
    }
  }
  /** Sets `lastName` to the VM's dense opcode index `index`. */
  planned(index: number): void {
    this.scalars[S_LAST_NAME] = index + 1;
  }
  /** Sets `lastName` to NOP (a non-code molecule at the IP) or UNKNOWN (an unregistered opcode). */
  plannedSpecial(unknown: boolean): void {
    this.scalars[S_LAST_NAME] = unknown ? LAST_NAME_UNKNOWN : LAST_NAME_NOP;
  }
  /** The tick's first failure, or null. */
  get failureReason(): string | null {
    const code = this.scalars[S_FAILURE_CODE]!;
    if (code === FAILURE_NONE) return null;
    if (code === FAILURE_TEXT) return this.failureText;
    const arg = this.scalars[S_FAILURE_ARG]!;
    return code === PlanFailure.INVALID_REGISTER ? `Invalid register: ${arg}` : `Unknown opcode: ${arg}`;
  }
  set failureReason(v: string | null) {
    // The code is in the block, so a plan worker's reset (null) clears the owner's reason too.
    this.failureText = v;
    this.scalars[S_FAILURE_CODE] = v === null ? FAILURE_NONE : FAILURE_TEXT;
  }

  /** `fail` for the failures planning finds (kept as numbers: see PlanFailure). */
  failPlan(code: PlanFailure, arg: number): void {
    if (!this.failed) {
      this.failed = true;
      this.failureText = null;
      this.scalars[S_FAILURE_CODE] = code;
      this.scalars[S_FAILURE_ARG] = arg;
      this.stateWrites++;
    }
  }

  /** Records the first failure of the tick (later ones are ignored, as in the reference). */
  fail(reason: string): void {
    if (!this.failed) {
      this.failed = true;
      this.failureReason = reason;
      this.stateWrites++;
    }
  }

  kill(reason: string, cause: DeathCause, tick: number): void {
    this.dead = true;
    this.deathTick = tick;
    this.deathCause = cause;
    // Counted by fail(), or already by the failure it follows in the same tick (plan resets failures, counting).
    this.fail(reason);
  }

  get activeDpOffset(): number {
    return this.activeDp * this.dims;
  }

  // ---- data stack ----
  /** Makes room for `n` data-stack entries (false beyond DATA_STACK_MAX). */
  ensureDataStack(n: number): boolean {
    if (n <= this.dsIsVec.length) return true;
    if (n > DATA_STACK_MAX) return false;
    const cap = Math.min(DATA_STACK_MAX, Math.max(n, this.dsIsVec.length * 2));
    const isVec = new Uint8Array(cap);
    isVec.set(this.dsIsVec);
    const scalar = new Int32Array(cap);
    scalar.set(this.dsScalar);
    const vec = new Int32Array(cap * this.dims);
    vec.set(this.dsVec);
    this.dsIsVec = isVec;
    this.dsScalar = scalar;
    this.dsVec = vec;
    return true;
  }

  pushScalar(v: number): boolean {
    if (this.dsLen >= this.dsIsVec.length && !this.ensureDataStack(this.dsLen + 1)) return false;
    this.dsIsVec[this.dsLen] = 0;
    this.dsScalar[this.dsLen] = v;
    this.dsLen++;
    return true;
  }

  pushVector(src: ArrayLike<number>, off: number): boolean {
    if (this.dsLen >= this.dsIsVec.length && !this.ensureDataStack(this.dsLen + 1)) return false;
    const i = this.dsLen;
    this.dsIsVec[i] = 1;
    this.dsScalar[i] = 0;
    const o = i * this.dims;
    for (let d = 0; d < this.dims; d++) this.dsVec[o + d] = src[off + d]!;
    this.dsLen++;
    return true;
  }

  // ---- call stack storage ----
  ensureCallStackCapacity(): void {
    if (this.csLabel.length > this.csLen) return;
    const cap = Math.min(CALL_STACK_MAX, Math.max(8, this.csLabel.length * 2));
    const grow = (a: Int32Array, n: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.csLabel = grow(this.csLabel, cap);
    this.csReturnIp = grow(this.csReturnIp, cap * this.dims);
    this.csCallIp = grow(this.csCallIp, cap * this.dims);
    while (this.csSaved.length < cap) {
      this.csSaved.push({
        isVec: new Uint8Array(FRAME_SLOT_COUNT),
        scalar: new Int32Array(FRAME_SLOT_COUNT),
        vec: new Int32Array(FRAME_SLOT_COUNT * this.dims),
      });
    }
  }

  saveSlots(start: number, count: number, into: RegisterSnapshot): void {
    const dims = this.dims;
    for (let i = 0; i < count; i++) {
      into.isVec[i] = this.regIsVec[start + i]!;
      into.scalar[i] = this.regScalar[start + i]!;
    }
    into.vec.set(this.regVec.subarray(start * dims, (start + count) * dims));
  }

  /** Marks slots [start, start + count) as written. */
  markSlots(start: number, count: number): void {
    for (let s = start; s < start + count; s++) {
      if (s < 32) this.regDirtyLo |= 1 << s;
      else this.regDirtyHi |= 1 << (s - 32);
    }
  }

  loadSlots(start: number, count: number, from: RegisterSnapshot): void {
    const dims = this.dims;
    this.markSlots(start, count);
    for (let i = 0; i < count; i++) {
      this.regIsVec[start + i] = from.isVec[i]!;
      this.regScalar[start + i] = from.scalar[i]!;
    }
    this.regVec.set(from.vec.subarray(0, count * dims), start * dims);
  }

  resetSlots(start: number, count: number): void {
    const dims = this.dims;
    this.markSlots(start, count);
    for (let i = 0; i < count; i++) {
      const s = start + i;
      this.regIsVec[s] = isLocationSlot(s) ? 1 : 0;
      this.regScalar[s] = 0;
    }
    this.regVec.fill(0, start * dims, (start + count) * dims);
  }

  newSnapshot(count: number): RegisterSnapshot {
    return { isVec: new Uint8Array(count), scalar: new Int32Array(count), vec: new Int32Array(count * this.dims) };
  }
}
