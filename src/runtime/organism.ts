import { OPCODES } from '../isa/opcodes.js';
import { OrganismMemory } from './organism-memory.js';
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
 * Slots of an organism's plan state in its memory block (`Organism.scalars`): what planning reads and writes
 * besides the typed arrays. A plan worker (runtime/threads) plans an organism it does not own through a view of the
 * block: the owner shares the inputs there (`sharePlanInputs`), the worker takes them into its view, plans, and
 * shares the outputs, which the owner takes (`takePlanOutputs`). The owner's own fields stay plain properties:
 * the per-instruction paths read them many times, and typed-array slots made a single-threaded tick ~12 % slower
 * (bench:runtime). Booleans are 0/1.
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

/** Failures found while planning, as a code and a number (what a plan worker hands the owner). */
export const PlanFailure = { INVALID_REGISTER: 1, UNKNOWN_OPCODE: 2 } as const;
export type PlanFailure = (typeof PlanFailure)[keyof typeof PlanFailure];

function planFailureText(code: number, arg: number): string {
  return code === PlanFailure.INVALID_REGISTER ? `Invalid register: ${arg}` : `Unknown opcode: ${arg}`;
}

/** `S_LAST_NAME`: a dense opcode index + 1 (the VM's indices follow OPCODES), or one of these. */
const LAST_NAME_NONE = 0;
const LAST_NAME_NOP = -1;
const LAST_NAME_UNKNOWN = -2;
const OPCODE_NAMES = OPCODES.map((o) => o.name);

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
  /** Plan state shared with plan workers (slots S_*; see there). */
  readonly scalars: Int32Array;
  /** A plan-phase failure's code and number (PlanFailure), for a plan worker to share. */
  private planFailureCode = 0;
  private planFailureArg = 0;
  /** Set by a plan worker that stopped at a stack operand: the owner resolves the operands (VM.resolveDeferred). */
  planDeferred = false;
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
  /**
   * Counts writes to the state that changes in about one sample in ten: DV, data pointers, active pointer, marker,
   * call frames (and the procedure), failure and death. The recorder compares those only when the count moved, so
   * every writer of them must count (test/unit/runtime/state-writes.test.ts checks it on random genomes).
   */
  stateWrites = 0;
  /** Opaque per-organism state of the recorder (its copy of the values at the previous sample); never read here. */
  recorderState: unknown = undefined;
  /** Data stack storage; starts small and grows (up to DATA_STACK_MAX) so idle organisms stay light. */
  dsIsVec = new Uint8Array(16);
  dsScalar = new Int32Array(16);
  dsVec: Int32Array;
  dsLen = 0;
  failed = false;
  failureReason: string | null = null;
  previousFailed = false;
  dead = false;
  skipIpAdvance = false;
  /** True while the IP is known to be on the line planned this tick (only moved along the DV axis). */
  ipOnLine = false;
  /** The last planned instruction: opcode (-1 = none yet), the molecule at the IP, energy/entropy delta. */
  lastOpcode = -1;
  lastMolecule = 0;
  lastName: string | null = null;
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
  // ---- the planned instruction of this tick (kept here so wave-2 plans survive until execution) ----
  /** Opcode to dispatch: a registered opcode, or -1 for "runs as NOP" (non-code molecule / unknown opcode). */
  plannedOpcode = 0;
  /** Dense index of the planned opcode in the VM's tables (valid when plannedOpcode >= 0). */
  plannedIndex = 0;
  /** The single axis (and its step) the pre-fetch DV moves along: first non-zero component (default +axis 0). */
  axis = 0;
  axisSign = 1;
  /** World extent and flat-index stride along `axis` (cached with it). */
  axisSize = 0;
  axisStride = 0;
  /** Operand-fetch direction of the cached axis: axis*2 + (sign > 0), or -1 when the step is not ±1. */
  dirCode = -1;
  /**
   * Decoded-instruction cache (direct-mapped, owned by the VM): per entry the IP cell, the world's code
   * epoch, the fetch direction, the molecule, its dense opcode index and the raw operand cells.
   */
  decode: Int32Array = NO_DECODE;
  /** The decode cache's place in this organism's memory block (empty: the VM allocates one). */
  readonly decodeStore: Int32Array = NO_DECODE;
  /** This organism's OrganismMemory block (-1: buffers of its own, or released when it was pruned). */
  memoryBlock = -1;
  /** World code generation the cache belongs to (-1: not allocated yet). */
  decodeGeneration = -1;
  /** Offset of this tick's instruction in `decode` (-1: planned without the cache). */
  decodeEntry = -1;
  /** True when the pre-fetch DV is a unit axis vector (the common case; enables fast IP moves). */
  dvUnit = true;
  /** Whether the random stream has been bound to the simulation clock. */
  randomBound = false;
  /** Set whenever `dv` is written; planning then refreshes `dvBefore` and the cached axis. */
  dvDirty = true;
  /** Flat index of the IP's line without the axis term, and whether that line lies inside the world. */
  lineBase = 0;
  lineInside = true;
  plannedLength = 1;
  plannedWave2 = false;
  /** Target cell reported for conflict resolution (-1: none). */
  plannedTarget = -1;
  /** Resolved operands: count, scalar/vector flag, packed scalar, vector components, register id (-1 if none). */
  opN = 0;
  readonly opIsVec: Uint8Array;
  readonly opScalar: Int32Array;
  readonly opVec: Int32Array;
  readonly opReg: Int32Array;
  /** Stack entries peeked at plan time; popped when the instruction executes. */
  peekCount = 0;
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
    // The block's decode cache from the start: a plan worker may fill it before this thread plans the organism.
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
  }

  /** `fail` for the failures planning finds (kept as numbers too, for a plan worker to share). */
  failPlan(code: PlanFailure, arg: number): void {
    if (!this.failed) {
      this.planFailureCode = code;
      this.planFailureArg = arg;
      this.fail(planFailureText(code, arg));
    }
  }

  // ---- plan state through the memory block (runtime/threads; see S_*) ----

  /** The owner: writes what planning reads into the block, for a plan worker. */
  sharePlanInputs(): void {
    const sc = this.scalars;
    sc[S_FAILED] = this.failed ? 1 : 0;
    sc[S_DEAD] = this.dead ? 1 : 0;
    sc[S_STATE_WRITES] = this.stateWrites;
    sc[S_DV_DIRTY] = this.dvDirty ? 1 : 0;
    sc[S_AXIS] = this.axis;
    sc[S_AXIS_SIGN] = this.axisSign;
    sc[S_AXIS_SIZE] = this.axisSize;
    sc[S_AXIS_STRIDE] = this.axisStride;
    sc[S_DV_UNIT] = this.dvUnit ? 1 : 0;
    sc[S_DIR_CODE] = this.dirCode;
    sc[S_DECODE_GENERATION] = this.decodeGeneration;
  }

  /** A plan worker's view: takes what the owner shared (and resets what planning sets). */
  takePlanInputs(): void {
    const sc = this.scalars;
    this.failed = sc[S_FAILED] === 1;
    this.failureReason = null;
    this.dead = sc[S_DEAD] === 1;
    this.stateWrites = sc[S_STATE_WRITES]!;
    this.dvDirty = sc[S_DV_DIRTY] === 1;
    this.axis = sc[S_AXIS]!;
    this.axisSign = sc[S_AXIS_SIGN]!;
    this.axisSize = sc[S_AXIS_SIZE]!;
    this.axisStride = sc[S_AXIS_STRIDE]!;
    this.dvUnit = sc[S_DV_UNIT] === 1;
    this.dirCode = sc[S_DIR_CODE]!;
    this.decodeGeneration = sc[S_DECODE_GENERATION]!;
    this.planFailureCode = 0;
    this.planDeferred = false;
  }

  /** A plan worker's view, after planning: writes what planning set into the block, for the owner. */
  sharePlanOutputs(): void {
    const sc = this.scalars;
    sc[S_FAILED] = this.failed ? 1 : 0;
    sc[S_PREVIOUS_FAILED] = this.previousFailed ? 1 : 0;
    sc[S_FAILURE_CODE] = this.planFailureCode;
    sc[S_FAILURE_ARG] = this.planFailureArg;
    sc[S_STATE_WRITES] = this.stateWrites;
    sc[S_SKIP_IP_ADVANCE] = this.skipIpAdvance ? 1 : 0;
    sc[S_IP_ON_LINE] = this.ipOnLine ? 1 : 0;
    sc[S_DV_DIRTY] = this.dvDirty ? 1 : 0;
    sc[S_AXIS] = this.axis;
    sc[S_AXIS_SIGN] = this.axisSign;
    sc[S_AXIS_SIZE] = this.axisSize;
    sc[S_AXIS_STRIDE] = this.axisStride;
    sc[S_DV_UNIT] = this.dvUnit ? 1 : 0;
    sc[S_DIR_CODE] = this.dirCode;
    sc[S_PEEK_COUNT] = this.peekCount;
    sc[S_OP_N] = this.opN;
    sc[S_PLANNED_TARGET] = this.plannedTarget;
    sc[S_LINE_BASE] = this.lineBase;
    sc[S_LINE_INSIDE] = this.lineInside ? 1 : 0;
    sc[S_DECODE_GENERATION] = this.decodeGeneration;
    sc[S_DECODE_ENTRY] = this.decodeEntry;
    sc[S_PLANNED_OPCODE] = this.plannedOpcode;
    sc[S_PLANNED_INDEX] = this.plannedIndex;
    sc[S_PLANNED_LENGTH] = this.plannedLength;
    sc[S_PLANNED_WAVE2] = this.plannedWave2 ? 1 : 0;
    sc[S_LAST_NAME] =
      this.plannedOpcode >= 0 ? this.plannedIndex + 1 : this.lastName === 'NOP' ? LAST_NAME_NOP : LAST_NAME_UNKNOWN;
    sc[S_LAST_OPCODE] = this.lastOpcode;
    sc[S_LAST_MOLECULE] = this.lastMolecule;
    sc[S_PLAN_DEFERRED] = this.planDeferred ? 1 : 0;
  }

  /** The owner: takes what a plan worker planned (after `sharePlanOutputs` there). */
  takePlanOutputs(): void {
    const sc = this.scalars;
    // What planning sets from this organism's own fields, and only then (an unchanged field is not copied).
    this.previousFailed = this.failed;
    const failed = sc[S_FAILED] === 1;
    if (failed || this.failed) {
      this.failed = failed;
      this.failureReason = failed ? planFailureText(sc[S_FAILURE_CODE]!, sc[S_FAILURE_ARG]!) : null;
      this.stateWrites = sc[S_STATE_WRITES]!;
    }
    this.skipIpAdvance = false;
    this.ipOnLine = true;
    if (this.dvDirty) {
      this.dvDirty = false;
      this.axis = sc[S_AXIS]!;
      this.axisSign = sc[S_AXIS_SIGN]!;
      this.axisSize = sc[S_AXIS_SIZE]!;
      this.axisStride = sc[S_AXIS_STRIDE]!;
      this.dvUnit = sc[S_DV_UNIT] === 1;
      this.dirCode = sc[S_DIR_CODE]!;
    }
    this.peekCount = sc[S_PEEK_COUNT]!;
    this.opN = sc[S_OP_N]!;
    this.plannedTarget = sc[S_PLANNED_TARGET]!;
    this.lineBase = sc[S_LINE_BASE]!;
    this.lineInside = sc[S_LINE_INSIDE] === 1;
    this.decodeGeneration = sc[S_DECODE_GENERATION]!;
    this.decodeEntry = sc[S_DECODE_ENTRY]!;
    this.plannedOpcode = sc[S_PLANNED_OPCODE]!;
    this.plannedIndex = sc[S_PLANNED_INDEX]!;
    this.plannedLength = sc[S_PLANNED_LENGTH]!;
    this.plannedWave2 = sc[S_PLANNED_WAVE2] === 1;
    const name = sc[S_LAST_NAME]!;
    this.lastName =
      name > 0 ? OPCODE_NAMES[name - 1]! : name === LAST_NAME_NONE ? null : name === LAST_NAME_NOP ? 'NOP' : 'UNKNOWN';
    this.lastOpcode = sc[S_LAST_OPCODE]!;
    this.lastMolecule = sc[S_LAST_MOLECULE]!;
    this.planDeferred = sc[S_PLAN_DEFERRED] === 1;
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
