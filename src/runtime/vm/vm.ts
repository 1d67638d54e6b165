import {
  MoleculeType,
  moleculeType as typeOf,
  moleculeValue as valueOf,
  packMolecule as pack,
} from '../../isa/molecule.js';
import { OPCODES, instructionLength, type OpcodeInfo } from '../../isa/opcodes.js';
import type { OrganismLimits, QuirkMode } from '../config.js';
import { LabelMatcher } from '../labels/label-matcher.js';
import { DECODE_ENTRIES, Organism, PlanFailure, decodeEntryInts, isLocationSlot, registerSlot } from '../organism.js';
import type { PolicyTable } from '../thermodynamics/policy-table.js';
import type { World } from '../world.js';

export const OPCODE_SPACE = 41000;

/** Register id → slot (-1 = no such register) for ids 0..2047, so operand fetch needs no bank arithmetic. */
const REGISTER_SLOT = new Int16Array(2048);
for (let id = 0; id < 2048; id++) REGISTER_SLOT[id] = registerSlot(id);
/** Register id → slot, or -1 (table lookup; same as `registerSlot`). */
function slotOf(id: number): number {
  return id >= 0 && id < 2048 ? REGISTER_SLOT[id]! : -1;
}
/** Slot → 1 for location-register slots (LR, PLR, FLR, SLR). */
const LOCATION_SLOT = new Uint8Array(64);
for (let slot = 0; slot < 64; slot++) LOCATION_SLOT[slot] = isLocationSlot(slot) ? 1 : 0;
const noop = (): void => {};
/** Decoded-instruction cache: the hash shift for DECODE_ENTRIES (a power of two) entries per organism. */
const DECODE_SHIFT = 32 - Math.log2(DECODE_ENTRIES);
const TYPE_CODE = MoleculeType.CODE;

/** Operand source codes stored per opcode (0 = end). */
export const SRC_R = 1;
export const SRC_LR = 2;
export const SRC_I = 3;
export const SRC_V = 4;
export const SRC_L = 5;
export const SRC_S = 6;
const SRC_CODE: Record<string, number> = { R: SRC_R, LR: SRC_LR, I: SRC_I, V: SRC_V, L: SRC_L, S: SRC_S };
/** Operand shapes with a straight-line resolver (everything else takes the generic loop). */
const SHAPE_GENERIC = 0;
const SHAPE_R = 1;
const SHAPE_RI = 2;
const SHAPE_RV = 3;
const SHAPE_RR = 4;
const SHAPE_L = 5;
const SHAPE_V = 6;
const SHAPE_I = 7;

/** An instruction implementation: reads the organism's resolved operands, mutates organism/world. */
export type Handler = (vm: VirtualMachine, o: Organism) => void;

/** What the VM needs from the simulation around it. */
export interface VmHost {
  readonly tick: number;
  /** Seed of the current tick (for the lazily seeded organism streams). */
  tickSeed(): bigint;
  /** FORK: create a child that acts from the next tick. */
  spawnChild(parent: Organism, childIp: Int32Array, energy: number, dv: Int32Array): Organism;
}

// The molecule codec is the ISA's (src/isa/molecule.ts); handlers take it from here under short names.
export { pack, typeOf, valueOf };

/**
 * The table-driven EvoASM virtual machine: plans one instruction per organism (operand fetch along the
 * DV, stack peeks), executes it (thermodynamics, handler, penalty, death checks, IP advance) and
 * implements the IP movement rules (instant skip, stall recovery, conditional skip).
 */
export class VirtualMachine {
  readonly dims: number;
  /** Opcode → dense index into `handlerList`/`nameList` (-1 = unregistered). Dense arrays keep lookups fast. */
  readonly opIndex = new Int16Array(OPCODE_SPACE).fill(-1);
  readonly handlerList: Handler[] = [];
  readonly nameList: string[] = [];
  /** Dense per-index copies of the hot per-opcode data (235 entries: stays in cache). */
  private idxLength = new Int32Array(0);
  private idxWave2 = new Uint8Array(0);
  private idxBaseEnergy = new Int32Array(0);
  private idxBaseEntropy = new Int32Array(0);
  private idxRuled = new Uint8Array(0);
  /** Operand sources per dense index (3 per entry, 0 = end). */
  private idxSources = new Uint8Array(0);
  /** Common operand shapes per dense index, resolved without the generic loop (SHAPE_*). */
  private idxShape = new Uint8Array(0);
  /** World arrays and constants read on every instruction. */
  private readonly cells: Int32Array;
  private readonly toroidal: boolean;
  /** True when the instant skip may stop on the IP cell itself (maxSkipsPerTick >= 1). */
  private readonly canSkip: boolean;
  /**
   * Ints per decode-cache entry: IP cell, epoch, direction, molecule, dense index, a per-instruction
   * slot (conditionals: the IP's axis position after a failed-condition skip; JMPI: its label cell),
   * the label-index version that JMPI slot is valid for (-1: none), then up to 3·dims raw operand cells.
   */
  private readonly decodeWidth: number;
  /** Raw operand cells of an uncached plan. */
  private readonly rawScratch: Int32Array;
  private readonly maxEnergy: number;
  private readonly maxEntropy: number;
  private readonly penalty: number;
  readonly lengths = new Int32Array(OPCODE_SPACE);
  readonly wave2 = new Uint8Array(OPCODE_SPACE);
  readonly sources = new Uint8Array(OPCODE_SPACE * 3);
  /** World-writer kind per opcode: 0 none, 1 PEEK family, 2 POKE family, 3 PPK family. */
  readonly envKind = new Uint8Array(OPCODE_SPACE);
  /** For PEEK/POKE/PPK: index of the direction-vector operand and of the written molecule. */
  readonly envVectorOperand = new Int8Array(OPCODE_SPACE).fill(-1);
  readonly envValueOperand = new Int8Array(OPCODE_SPACE).fill(-1);
  readonly labels: LabelMatcher;
  /**
   * True in a plan worker (a thread that plans organisms it does not own, see runtime/threads): planning stops at
   * a stack operand (the data stack is the owner's) and marks the organism `planDeferred`; the owner finishes it
   * with `resolveDeferred`. Random streams are bound by the owner.
   */
  planWorker = false;
  /** Scratch vector for target computations (never escapes a handler). */
  readonly tmpVec: Int32Array;
  readonly tmpVec2: Int32Array;

  constructor(
    readonly world: World,
    readonly policy: PolicyTable,
    readonly limits: OrganismLimits,
    readonly quirks: QuirkMode,
    labelMatcher: LabelMatcher,
    readonly host: VmHost,
    handlerTable: Map<string, Handler>,
  ) {
    this.dims = world.dims;
    this.labels = labelMatcher;
    this.tmpVec = new Int32Array(this.dims);
    this.tmpVec2 = new Int32Array(this.dims);
    for (const info of OPCODES) this.registerOpcode(info, handlerTable.get(info.name));
    const n = this.nameList.length;
    this.idxLength = new Int32Array(n);
    this.idxWave2 = new Uint8Array(n);
    this.idxBaseEnergy = new Int32Array(n);
    this.idxBaseEntropy = new Int32Array(n);
    this.idxRuled = new Uint8Array(n);
    this.idxSources = new Uint8Array(n * 3);
    this.idxShape = new Uint8Array(n);
    for (const info of OPCODES) {
      const i = this.opIndex[info.opcode]!;
      this.idxLength[i] = this.lengths[info.opcode]!;
      this.idxWave2[i] = this.wave2[info.opcode]!;
      this.idxBaseEnergy[i] = policy.baseEnergy[info.opcode]!;
      this.idxBaseEntropy[i] = policy.baseEntropy[info.opcode]!;
      this.idxRuled[i] = policy.ruleSlot[info.opcode] !== 0 ? 1 : 0;
      for (let k = 0; k < 3; k++) this.idxSources[i * 3 + k] = this.sources[info.opcode * 3 + k]!;
      const sig = info.operands.join(',');
      this.idxShape[i] =
        sig === 'R'
          ? SHAPE_R
          : sig === 'R,I'
            ? SHAPE_RI
            : sig === 'R,V'
              ? SHAPE_RV
              : sig === 'R,R'
                ? SHAPE_RR
                : sig === 'L'
                  ? SHAPE_L
                  : sig === 'V'
                    ? SHAPE_V
                    : sig === 'I'
                      ? SHAPE_I
                      : SHAPE_GENERIC;
    }
    this.cells = world.cells;
    this.toroidal = world.toroidal;
    this.canSkip = limits.maxSkipsPerTick >= 1;
    this.decodeWidth = decodeEntryInts(this.dims);
    this.rawScratch = new Int32Array(3 * this.dims);
    this.maxEnergy = limits.maxEnergy;
    this.maxEntropy = limits.maxEntropy;
    this.penalty = limits.errorPenaltyCost;
  }

  /** Mnemonic of a registered opcode (undefined otherwise). */
  nameOf(opcode: number): string | undefined {
    if (opcode < 0 || opcode >= OPCODE_SPACE) return undefined;
    const i = this.opIndex[opcode]!;
    return i < 0 ? undefined : this.nameList[i];
  }

  private registerOpcode(info: OpcodeInfo, handler: Handler | undefined): void {
    const op = info.opcode;
    this.opIndex[op] = this.nameList.length;
    this.nameList.push(info.name);
    this.handlerList.push(handler ?? noop);
    this.lengths[op] = instructionLength(info, this.dims);
    this.wave2[op] = info.wave === 2 ? 1 : 0;
    const n = info.name;
    if (n === 'PEEK' || n === 'PEKI' || n === 'PEKS') this.envKind[op] = 1;
    else if (n === 'POKE' || n === 'POKI' || n === 'POKS') this.envKind[op] = 2;
    else if (n === 'PPKR' || n === 'PPKI' || n === 'PPKS') this.envKind[op] = 3;
    if (this.envKind[op] !== 0) {
      // Stack forms take their operands in reverse: the vector is on top, the molecule below it.
      const stack = n.endsWith('S');
      this.envVectorOperand[op] = n === 'PEKS' ? 0 : stack ? 0 : 1;
      this.envValueOperand[op] = this.envKind[op] === 1 ? -1 : stack ? 1 : 0;
    }
    info.operands.forEach((s, i) => {
      this.sources[op * 3 + i] = SRC_CODE[s]!;
    });
  }

  /** Instruction length of the molecule at a cell (1 for anything that is not a registered opcode). */
  lengthOfMolecule(m: number): number {
    const v = valueOf(m);
    if (v < 0 || v >= OPCODE_SPACE) return 1;
    return this.lengths[v]! || 1;
  }

  // ------------------------------------------------------------------ plan

  /** Resets the per-tick state and resolves the instruction at the IP. */
  plan(o: Organism): void {
    if (!o.randomBound && !this.planWorker) this.bindRandom(o);
    const failed = o.failed;
    o.previousFailed = failed;
    if (failed) {
      o.failed = false;
      o.failureReason = null;
      o.stateWrites++;
    }
    o.skipIpAdvance = false;
    o.ipOnLine = true;
    if (o.dvDirty) this.refreshDv(o);
    const dims = this.dims;
    const ip = o.ip;
    const ipb = o.ipBefore;
    const axis = o.axis;
    o.peekCount = 0;
    o.opN = 0;
    o.plannedTarget = -1;
    // The IP's line along the DV axis: flat index without the axis term (reused by operand fetch).
    const world = this.world;
    const shape = world.shape;
    const strides = world.strides;
    let base = 0;
    let inside = true;
    for (let d = 0; d < dims; d++) {
      const c = ip[d]!;
      ipb[d] = c;
      if (d === axis) continue;
      if (c < 0 || c >= shape[d]!) inside = false;
      base += c * strides[d]!;
    }
    o.lineBase = base;
    o.lineInside = inside;
    o.decodeEntry = -1;
    const pos = ip[axis]!;
    if (inside && pos >= 0 && pos < o.axisSize) {
      const cellIdx = base + pos * o.axisStride;
      if (o.dirCode >= 0) {
        // Decoded-instruction cache: valid while no cell it was filled from has changed (world code epoch).
        if (o.decodeGeneration !== world.codeGeneration) this.resetDecode(o);
        const dc = o.decode;
        const e = (Math.imul(cellIdx, 0x9e3779b1) >>> DECODE_SHIFT) * this.decodeWidth;
        if (dc[e] === cellIdx && dc[e + 1] === world.codeEpoch && dc[e + 2] === o.dirCode) {
          o.decodeEntry = e;
          this.planIndex(o, dc[e + 3]!, dc[e + 4]!, dc, e + 7);
          return;
        }
        const mol = this.cells[cellIdx]!;
        const index = this.indexOfMolecule(mol);
        if (index < 0 || mol === 0) {
          o.lastMolecule = mol;
          if (index < 0) this.planSpecial(o, mol);
          else this.planIndex(o, mol, index, this.rawScratch, 0);
          return;
        }
        dc[e] = cellIdx;
        dc[e + 1] = world.codeEpoch;
        dc[e + 2] = o.dirCode;
        dc[e + 3] = mol;
        dc[e + 4] = index;
        dc[e + 5] = -1;
        dc[e + 6] = -1;
        world.codeWatch[cellIdx] = 1;
        if (this.idxSources[index * 3] !== 0) this.fetchOperandCells(o, index * 3, dc, e + 7, world.codeWatch);
        o.decodeEntry = e;
        this.planIndex(o, mol, index, dc, e + 7);
        return;
      }
      this.planUncached(o, this.cells[cellIdx]!);
      return;
    }
    this.planUncached(o, 0);
  }

  /** Dense opcode index of a CODE molecule (-1: not code, or not a registered opcode). */
  private indexOfMolecule(mol: number): number {
    const opcode = (mol << 12) >> 12;
    return ((mol >>> 20) & 0xff) === TYPE_CODE && opcode >= 0 && opcode < OPCODE_SPACE ? this.opIndex[opcode]! : -1;
  }

  /** Plan without the decode cache (IP line outside a bounded world, or a DV step other than ±1). */
  private planUncached(o: Organism, mol: number): void {
    const index = this.indexOfMolecule(mol);
    if (index < 0) {
      o.lastMolecule = mol;
      this.planSpecial(o, mol);
      return;
    }
    if (this.idxSources[index * 3] !== 0) this.fetchOperandCells(o, index * 3, this.rawScratch, 0, null);
    this.planIndex(o, mol, index, this.rawScratch, 0);
  }

  /** Sets the planned instruction (a registered opcode) and resolves its operands from the raw cells. */
  private planIndex(o: Organism, mol: number, index: number, raws: Int32Array, at: number): void {
    const opcode = (mol << 12) >> 12;
    o.lastMolecule = mol;
    o.plannedOpcode = opcode;
    o.plannedIndex = index;
    o.plannedLength = this.idxLength[index]!;
    o.plannedWave2 = this.idxWave2[index] === 1;
    o.lastName = this.nameList[index]!;
    o.lastOpcode = opcode;
    switch (this.idxShape[index]) {
      case SHAPE_R:
        this.resolveRegister(o, 0, raws[at]!);
        o.opN = 1;
        return;
      case SHAPE_RI:
        this.resolveRegister(o, 0, raws[at]!);
        o.opReg[1] = -1;
        o.opIsVec[1] = 0;
        o.opScalar[1] = raws[at + 1]!;
        o.opN = 2;
        return;
      case SHAPE_RR:
        this.resolveRegister(o, 0, raws[at]!);
        this.resolveRegister(o, 1, raws[at + 1]!);
        o.opN = 2;
        return;
      case SHAPE_RV: {
        this.resolveRegister(o, 0, raws[at]!);
        const dims = this.dims;
        o.opReg[1] = -1;
        o.opIsVec[1] = 1;
        for (let d = 0; d < dims; d++) o.opVec[dims + d] = (raws[at + 1 + d]! << 12) >> 12;
        o.opN = 2;
        return;
      }
      case SHAPE_L:
        o.opReg[0] = -1;
        o.opIsVec[0] = 0;
        o.opScalar[0] = raws[at]! & 0xfffff;
        o.opN = 1;
        return;
      case SHAPE_V: {
        const dims = this.dims;
        o.opReg[0] = -1;
        o.opIsVec[0] = 1;
        for (let d = 0; d < dims; d++) o.opVec[d] = (raws[at + d]! << 12) >> 12;
        o.opN = 1;
        return;
      }
      case SHAPE_I:
        o.opReg[0] = -1;
        o.opIsVec[0] = 0;
        o.opScalar[0] = raws[at]!;
        o.opN = 1;
        return;
      default:
        if (this.idxSources[index * 3] !== 0) this.resolveOperands(o, index * 3, raws, at);
    }
  }

  /** Register operand n: its id from the raw cell, then the register's content (the generic loop's SRC_R). */
  private resolveRegister(o: Organism, n: number, raw: number): void {
    const id = (raw << 12) >> 12;
    o.opReg[n] = id;
    const slot = id >= 0 && id < 2048 ? REGISTER_SLOT[id]! : -1;
    if (slot < 0) {
      o.failPlan(PlanFailure.INVALID_REGISTER, id);
      o.opIsVec[n] = 0;
      o.opScalar[n] = 0;
    } else if (o.regIsVec[slot] === 1) {
      o.opIsVec[n] = 1;
      const dims = this.dims;
      for (let d = 0; d < dims; d++) o.opVec[n * dims + d] = o.regVec[slot * dims + d]!;
    } else {
      o.opIsVec[n] = 0;
      o.opScalar[n] = o.regScalar[slot]!;
    }
  }

  /** Allocates (or clears, after an epoch wrap) the organism's decode cache. */
  private resetDecode(o: Organism): void {
    const ints = DECODE_ENTRIES * this.decodeWidth;
    if (o.decode.length !== ints) {
      // In the organism's memory block when it has one (fresh blocks are zeroed), else a buffer of its own.
      if (o.decodeStore.length === ints) {
        o.decode = o.decodeStore;
        o.decode.fill(0);
      } else o.decode = new Int32Array(ints);
    } else o.decode.fill(0);
    o.decodeGeneration = this.world.codeGeneration;
    // epoch 0 is never current, so zeroed entries never hit
  }

  /**
   * Reads the operand cells along the DV (the reference's single-axis walk: one cell per register,
   * immediate or label operand, `dims` cells per vector, none for stack operands) into `out` at `at`;
   * marks them in `watch` when given.
   */
  private fetchOperandCells(o: Organism, srcAt: number, out: Int32Array, at: number, watch: Uint8Array | null): void {
    const sign = o.axisSign;
    const size = o.axisSize;
    const stride = o.axisStride;
    const toroidal = this.toroidal;
    const base = o.lineBase;
    const inside = o.lineInside;
    const cells = this.cells;
    const sources = this.idxSources;
    const dims = this.dims;
    let pos = o.ipBefore[o.axis]!;
    for (let k = 0; k < 3; k++) {
      const src = sources[srcAt + k]!;
      if (src === 0) break;
      if (src === SRC_S) continue;
      const count = src === SRC_V ? dims : 1;
      for (let c = 0; c < count; c++) {
        pos += sign;
        if (toroidal) {
          if (pos < 0) pos = size - 1;
          else if (pos >= size) pos = 0;
        }
        if (inside && pos >= 0 && pos < size) {
          const idx = base + pos * stride;
          out[at++] = cells[idx]!;
          if (watch !== null) watch[idx] = 1;
        } else out[at++] = 0;
      }
    }
  }

  /** Binds the organism's random stream to the simulation clock (planning does it; plan workers leave it to the owner). */
  bindRandom(o: Organism): void {
    o.random.bind(this.host, this.tickSeedThunk, this.tickThunk);
    o.randomBound = true;
  }

  /** The DV changed (TURN, birth, restore): refresh its pre-fetch copy and the cached axis. */
  private refreshDv(o: Organism): void {
    const dims = this.dims;
    let axis = -1;
    let nonZero = 0;
    for (let d = 0; d < dims; d++) {
      const c = o.dv[d]!;
      o.dvBefore[d] = c;
      if (c !== 0) {
        nonZero++;
        if (axis < 0) {
          axis = d;
          o.axisSign = c;
        }
      }
    }
    if (axis < 0) {
      axis = 0;
      o.axisSign = 1;
    }
    o.axis = axis;
    o.axisSize = this.world.shape[axis]!;
    o.axisStride = this.world.strides[axis]!;
    o.dvUnit = nonZero === 1 && (o.axisSign === 1 || o.axisSign === -1);
    o.dirCode = o.axisSign === 1 ? axis * 2 + 1 : o.axisSign === -1 ? axis * 2 : -1;
    o.dvDirty = false;
  }

  /** A molecule at the IP that is not a registered opcode: non-code runs as a NOP, unknown opcodes fail. */
  private planSpecial(o: Organism, mol: number): void {
    if (mol !== 0 && typeOf(mol) !== TYPE_CODE) {
      // A non-code molecule at the IP runs as a NOP (normally a newborn standing on its LABEL).
      o.plannedOpcode = -1;
      o.plannedLength = 1;
      o.plannedWave2 = false;
      o.lastName = 'NOP';
      o.lastOpcode = 0;
      return;
    }
    const opcode = valueOf(mol);
    o.failPlan(PlanFailure.UNKNOWN_OPCODE, opcode);
    o.plannedOpcode = -1;
    o.plannedLength = 1;
    // The reference registers no wave for unknown opcodes and runs them with the world writers.
    o.plannedWave2 = true;
    o.lastName = 'UNKNOWN';
    o.lastOpcode = opcode;
  }

  private readonly tickSeedThunk = (): bigint => this.host.tickSeed();
  private readonly tickThunk = (): number => this.host.tick;

  /**
   * Finishes a plan a plan worker deferred at a stack operand: resolves the operands again, stack included. The
   * world has not changed since the plan (workers plan between world writes), so the raw cells are the same.
   */
  resolveDeferred(o: Organism): void {
    o.planDeferred = false;
    o.peekCount = 0;
    o.opN = 0;
    const at = o.plannedIndex * 3;
    const e = o.decodeEntry;
    if (e >= 0) this.resolveOperands(o, at, o.decode, e + 7);
    else {
      this.fetchOperandCells(o, at, this.rawScratch, 0, null);
      this.resolveOperands(o, at, this.rawScratch, 0);
    }
  }

  /** Decodes the operands from their raw cells (see `fetchOperandCells`) and peeks stack operands. */
  private resolveOperands(o: Organism, srcAt: number, raws: Int32Array, at: number): void {
    const dims = this.dims;
    const sources = this.idxSources;
    let stackPos = o.dsLen - 1;
    let n = 0;
    for (let k = 0; k < 3; k++) {
      const src = sources[srcAt + k]!;
      if (src === 0) break;
      if (src === SRC_S) {
        if (this.planWorker) {
          o.planDeferred = true;
          return;
        }
        if (stackPos < 0) {
          // Not enough stack entries: the reference resolves NO operands but still pops those peeked.
          o.opN = 0;
          return;
        }
        o.opReg[n] = -1;
        if (o.dsIsVec[stackPos] === 1) {
          o.opIsVec[n] = 1;
          for (let d = 0; d < dims; d++) o.opVec[n * dims + d] = o.dsVec[stackPos * dims + d]!;
        } else {
          o.opIsVec[n] = 0;
          o.opScalar[n] = o.dsScalar[stackPos]!;
        }
        stackPos--;
        o.peekCount++;
        n++;
        continue;
      }
      const raw = raws[at++]!;
      switch (src) {
        case SRC_R: {
          const id = (raw << 12) >> 12;
          o.opReg[n] = id;
          const slot = id >= 0 && id < 2048 ? REGISTER_SLOT[id]! : -1;
          if (slot < 0) {
            o.failPlan(PlanFailure.INVALID_REGISTER, id);
            o.opIsVec[n] = 0;
            o.opScalar[n] = 0;
          } else if (o.regIsVec[slot] === 1) {
            o.opIsVec[n] = 1;
            for (let d = 0; d < dims; d++) o.opVec[n * dims + d] = o.regVec[slot * dims + d]!;
          } else {
            o.opIsVec[n] = 0;
            o.opScalar[n] = o.regScalar[slot]!;
          }
          break;
        }
        case SRC_LR:
          o.opReg[n] = valueOf(raw);
          o.opIsVec[n] = 0;
          o.opScalar[n] = 0;
          break;
        case SRC_I:
          o.opReg[n] = -1;
          o.opIsVec[n] = 0;
          o.opScalar[n] = raw;
          break;
        case SRC_L:
          o.opReg[n] = -1;
          o.opIsVec[n] = 0;
          o.opScalar[n] = raw & 0xfffff;
          break;
        case SRC_V: {
          o.opReg[n] = -1;
          o.opIsVec[n] = 1;
          o.opVec[n * dims] = valueOf(raw);
          for (let d = 1; d < dims; d++) o.opVec[n * dims + d] = valueOf(raws[at++]!);
          break;
        }
      }
      n++;
    }
    o.opN = n;
  }

  // ------------------------------------------------------------------ execute

  /** Runs the planned instruction of a winner (or of any wave-1 organism). */
  execute(o: Organism): void {
    if (o.dead) return;
    const er0 = o.er;
    const sr0 = o.sr;
    o.dsLen -= o.peekCount;
    const opcode = o.plannedOpcode;
    let e: number;
    let s: number;
    if (opcode < 0) {
      e = this.policy.defaultEnergy;
      s = this.policy.defaultEntropy;
    } else {
      const i = o.plannedIndex;
      if (this.idxRuled[i] === 1) {
        this.evaluateRuledCost(o, opcode);
        e = this.policy.energy;
        s = this.policy.entropy;
      } else {
        e = this.idxBaseEnergy[i]!;
        s = this.idxBaseEntropy[i]!;
      }
    }
    let er = o.er;
    if (e > 0) er -= e;
    else if (e < 0) er = Math.min(er - e, this.maxEnergy);
    o.er = er;
    let sr = o.sr + s;
    if (sr < 0) sr = 0;
    o.sr = sr;

    if (opcode >= 0) this.handlerList[o.plannedIndex]!(this, o);
    if (o.failed) o.er -= this.penalty;
    o.lastEnergyDelta = er0 - o.er;
    o.lastEntropyDelta = o.sr - sr0;
    if (o.er <= 0) {
      o.kill('Ran out of energy', 'energy', this.host.tick);
      return;
    }
    if (o.sr >= this.maxEntropy) {
      o.kill('Entropy limit exceeded', 'entropy', this.host.tick);
      return;
    }
    if (!o.skipIpAdvance) {
      // advanceIp, inlined: plannedLength cells along the pre-fetch DV axis
      const axis = o.axis;
      const size = o.axisSize;
      const sign = o.axisSign;
      if (sign === 1 || sign === -1) {
        let pos = o.ip[axis]! + sign * o.plannedLength;
        if (this.toroidal && (pos < 0 || pos >= size)) pos = ((pos % size) + size) % size;
        o.ip[axis] = pos;
      } else this.advanceIp(o, o.plannedLength);
    }
  }

  /**
   * Executes the planned instruction, then the free instant skip; a failure that only the skip causes
   * (a stall) is charged the error penalty here. What the simulation runs for every executing organism.
   */
  run(o: Organism): void {
    this.execute(o);
    if (this.canSkip && o.ipOnLine && !o.dead) {
      // Fast path: the IP is on its planned line, on a real instruction (the instant skip stops at once).
      const pos = o.ip[o.axis]!;
      if (o.lineInside && pos >= 0 && pos < o.axisSize) {
        const mol = this.cells[o.lineBase + pos * o.axisStride]!;
        if (((mol >>> 20) & 0xff) === TYPE_CODE && (mol & 0xfffff) !== 0) return;
      }
    }
    this.skipChargingStall(o);
  }

  /** Instant skip; when it stalls an organism that had not failed yet, charges the error penalty. */
  skipChargingStall(o: Organism): void {
    const failedBefore = o.failed;
    this.skipNopCells(o);
    if (!failedBefore && o.failed) {
      o.er -= this.penalty;
      if (o.er <= 0 && !o.dead) o.kill('Ran out of energy', 'energy', this.host.tick);
    }
  }

  /** A write-conflict loser: base cost plus penalty, no execution, IP and stack untouched. */
  executeLoser(o: Organism): void {
    const opcode = o.plannedOpcode;
    const er0 = o.er;
    const sr0 = o.sr;
    const e = opcode >= 0 ? this.policy.baseEnergy[opcode]! : this.policy.defaultEnergy;
    const s = opcode >= 0 ? this.policy.baseEntropy[opcode]! : this.policy.defaultEntropy;
    if (e > 0) o.er -= e;
    else if (e < 0) o.er = Math.min(o.er - e, this.limits.maxEnergy);
    o.sr = Math.max(0, o.sr + s);
    o.fail('Lost write conflict');
    o.er -= this.limits.errorPenaltyCost;
    o.lastEnergyDelta = er0 - o.er;
    o.lastEntropyDelta = o.sr - sr0;
    if (o.er <= 0) o.kill('Ran out of energy', 'energy', this.host.tick);
    else if (o.sr >= this.limits.maxEntropy) o.kill('Entropy limit exceeded', 'entropy', this.host.tick);
  }

  /**
   * Costs of a PEEK/POKE/PPK-style instruction. In `reference` mode this reproduces the reference's
   * policy exactly (quirks Q1–Q3); in `fixed` mode the read rule applies only to instructions that take
   * the molecule and the write rule only to the molecule actually written.
   */
  private evaluateRuledCost(o: Organism, opcode: number): void {
    const world = this.world;
    const kind = this.envKind[opcode]!;
    const target = this.unitTarget(o);
    const hasTarget = target !== -2;
    const tIdx = hasTarget ? target : -1;
    const tMol = world.molecule(tIdx);
    const tOwner = world.owner(tIdx);
    const ownership = tOwner === o.id ? 0 : tOwner === 0 ? 1 : 2;
    const isPpk = kind === 3;
    const isPeek = kind === 1;
    const targetEmpty = tMol === 0;
    if (this.quirks === 'reference') {
      const firstScalar = o.opN > 0 && o.opIsVec[0] === 0;
      this.policy.evaluate(
        opcode,
        hasTarget,
        tMol,
        ownership,
        firstScalar,
        o.opScalar[0]!,
        !hasTarget || targetEmpty || isPpk,
      );
      return;
    }
    const readApplies = hasTarget && (isPeek || isPpk);
    let writes = false;
    let writeMol = 0;
    const vi = this.envValueOperand[opcode]!;
    if (vi >= 0 && vi < o.opN && o.opIsVec[vi] === 0) {
      writeMol = o.opScalar[vi]!;
      writes = isPpk || targetEmpty;
    }
    this.policy.evaluate(opcode, readApplies, tMol, ownership, writes, writeMol, true);
  }

  /**
   * Target cell of a PEEK/POKE/PPK for conflict resolution / thermodynamics: the active DP plus the vector
   * operand, only when that vector is a unit vector; -2 when there is none (or for other instructions).
   */
  unitTarget(o: Organism): number {
    const op = o.plannedOpcode;
    if (op < 0) return -2;
    const vi = this.envVectorOperand[op]!;
    if (vi < 0 || vi >= o.opN || o.opIsVec[vi] !== 1) return -2;
    const dims = this.dims;
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += Math.abs(o.opVec[vi * dims + d]!);
    if (sum !== 1) return -2;
    const idx = this.world.offsetIndex(o.dps, o.activeDpOffset, o.opVec, vi * dims);
    return idx < 0 ? -2 : idx;
  }

  // ------------------------------------------------------------------ IP movement

  /** Moves the IP `steps` cells along the single non-zero axis of the pre-fetch DV. */
  advanceIp(o: Organism, steps: number): void {
    const dim = o.axis;
    const sign = o.axisSign;
    const size = this.world.shape[dim]!;
    let pos = o.ip[dim]!;
    if (sign === 1 || sign === -1) {
      // unit steps: the per-step wrap below is plain modular arithmetic
      pos += sign * steps;
      if (this.toroidal && (pos < 0 || pos >= size)) pos = ((pos % size) + size) % size;
    } else {
      // a longer step wraps to the opposite edge cell, as the reference's per-step walk does
      for (let i = 0; i < steps; i++) {
        pos += sign;
        if (this.toroidal) {
          if (pos < 0) pos = size - 1;
          else if (pos >= size) pos = 0;
        }
      }
    }
    o.ip[dim] = pos;
  }

  /**
   * Instant skip: passes empty cells and non-code molecules for free (at most maxSkipsPerTick). On a
   * stall the organism recovers (pops a call frame like RET, or returns to its birth position) and the
   * tick counts as failed. Returns true if it stalled.
   */
  skipNopCells(o: Organism): boolean {
    const world = this.world;
    const dims = this.dims;
    const dim = o.axis;
    const sign = o.axisSign;
    const size = world.shape[dim]!;
    const stride = world.strides[dim]!;
    const toroidal = world.toroidal;
    const ip = o.ip;
    let base: number;
    let inside: boolean;
    if (o.ipOnLine && !o.dead) {
      // The IP only moved along the DV axis since planning: its line is the planned one.
      base = o.lineBase;
      inside = o.lineInside;
    } else {
      base = 0;
      inside = true;
      for (let i = 0; i < dims; i++) {
        if (i === dim) continue;
        const c = ip[i]!;
        if (c < 0 || c >= world.shape[i]!) inside = false;
        base += c * world.strides[i]!;
      }
    }
    let pos = ip[dim]!;
    const cells = world.cells;
    const max = this.limits.maxSkipsPerTick;
    if (!o.dead) {
      for (let skips = 0; skips < max; skips++) {
        const mol = inside && pos >= 0 && pos < size ? cells[base + pos * stride]! : 0;
        if (((mol >>> 20) & 0xff) === TYPE_CODE && (mol & 0xfffff) !== 0) {
          ip[dim] = pos;
          return false;
        }
        pos += sign;
        if (toroidal) {
          if (pos < 0) pos = size - 1;
          else if (pos >= size) pos = 0;
        }
      }
    }
    ip[dim] = pos;
    this.recoverFromStall(o);
    o.fail(`Max skips exceeded (${max})`);
    return true;
  }

  private recoverFromStall(o: Organism): void {
    if (o.csLen > 0) this.popFrame(o);
    else {
      o.ip.set(o.initialPosition);
      o.ipOnLine = false;
    }
  }

  /** Conditional skip: IP := after this instruction, past padding, past the next real instruction. */
  skipNextInstruction(o: Organism): void {
    const len = o.plannedLength;
    const dims = this.dims;
    const ip = o.ip;
    for (let d = 0; d < dims; d++) ip[d] = o.ipBefore[d]!;
    if (o.dvUnit) {
      // Along the planned line: IP after this instruction, the instant skip (inline when the next cell is
      // already a real instruction), then past that instruction.
      const axis = o.axis;
      const ent = o.decodeEntry;
      const world = this.world;
      if (ent >= 0 && !o.failed) {
        // Cached outcome of this skip (valid while none of the cells it passed has changed).
        const dc = o.decode;
        const target = dc[ent + 5]!;
        if (target >= 0 && dc[ent + 1] === world.codeEpoch) {
          ip[axis] = target;
          o.ipOnLine = true;
          o.skipIpAdvance = true;
          return;
        }
      }
      const sign = o.axisSign;
      const size = o.axisSize;
      const toroidal = this.toroidal;
      let pos = ip[axis]! + sign * len;
      if (toroidal && (pos < 0 || pos >= size)) pos = ((pos % size) + size) % size;
      ip[axis] = pos;
      o.ipOnLine = true;
      let mol = o.lineInside && pos >= 0 && pos < size ? this.cells[o.lineBase + pos * o.axisStride]! : 0;
      if (!this.canSkip || ((mol >>> 20) & 0xff) !== TYPE_CODE || (mol & 0xfffff) === 0) {
        this.skipNopCells(o);
        if (o.failed) {
          o.skipIpAdvance = true;
          return;
        }
        pos = ip[axis]!;
        mol = o.lineInside && pos >= 0 && pos < size ? this.cells[o.lineBase + pos * o.axisStride]! : 0;
      } else if (o.failed) {
        o.skipIpAdvance = true;
        return;
      }
      const stop = pos;
      pos += sign * this.lengthOfMolecule(mol);
      if (toroidal && (pos < 0 || pos >= size)) pos = ((pos % size) + size) % size;
      ip[axis] = pos;
      o.skipIpAdvance = true;
      if (ent >= 0 && o.lineInside && this.canSkip && o.decode[ent + 1] === world.codeEpoch) {
        // Remember the outcome; watch every cell it depended on (the padding passed and the skipped opcode).
        let p = o.ipBefore[axis]! + sign * len;
        if (toroidal && (p < 0 || p >= size)) p = ((p % size) + size) % size;
        const watch = world.codeWatch;
        for (;;) {
          if (p < 0 || p >= size) return; // left a bounded world: not cached
          watch[o.lineBase + p * o.axisStride] = 1;
          if (p === stop) break;
          p += sign;
          if (toroidal) {
            if (p < 0) p = size - 1;
            else if (p >= size) p = 0;
          }
        }
        o.decode[ent + 5] = pos;
      }
      return;
    }
    const world = this.world;
    o.skipIpAdvance = true;
    o.ipOnLine = false; // the IP leaves its planned line: skipNopCells must recompute it
    for (let i = 0; i < len; i++) {
      for (let d = 0; d < dims; d++) ip[d] = ip[d]! + o.dvBefore[d]!;
      world.normalize(ip);
    }
    this.skipNopCells(o);
    if (o.failed) return;
    this.advanceIp(o, this.lengthOfMolecule(world.molecule(world.indexOf(ip))));
  }

  /** Pops a call frame: restores PDR/PLR/FDR/FLR, swaps static banks back, IP := return address. */
  popFrame(o: Organism): void {
    const dims = this.dims;
    const f = --o.csLen;
    o.frameWrites++;
    o.stateWrites++;
    this.saveStatics(o);
    o.loadSlots(12, 24, o.csSaved[f]!);
    const caller = o.csLen > 0 ? o.csLabel[o.csLen - 1]! : -1;
    this.loadStatics(o, caller);
    o.ip.set(o.csReturnIp.subarray(f * dims, f * dims + dims));
    o.ipOnLine = false;
  }

  saveStatics(o: Organism): void {
    let snap = o.staticBanks.get(o.currentProc);
    if (snap === undefined) {
      snap = o.newSnapshot(12);
      o.staticBanks.set(o.currentProc, snap);
    }
    o.saveSlots(36, 12, snap);
  }

  loadStatics(o: Organism, proc: number): void {
    const snap = o.staticBanks.get(proc);
    if (snap !== undefined) o.loadSlots(36, 12, snap);
    else o.resetSlots(36, 12);
    o.currentProc = proc;
  }

  // ------------------------------------------------------------------ helpers for handlers

  /** Writes a scalar into a data register. Location registers refuse (failure). */
  writeScalar(o: Organism, id: number, value: number): boolean {
    const slot = slotOf(id);
    if (slot < 0) {
      o.fail(`Invalid register: ${id}`);
      return false;
    }
    if (LOCATION_SLOT[slot] === 1) {
      o.fail(`Cannot write a scalar to location register ${id}`);
      return false;
    }
    o.regIsVec[slot] = 0;
    o.regScalar[slot] = value;
    if (slot < 32) o.regDirtyLo |= 1 << slot;
    else o.regDirtyHi |= 1 << (slot - 32);
    return true;
  }

  /** Writes a vector (from `src` at `off`) into a data or location register. */
  writeVector(o: Organism, id: number, src: ArrayLike<number>, off: number): boolean {
    const slot = slotOf(id);
    if (slot < 0) {
      o.fail(`Invalid register: ${id}`);
      return false;
    }
    const dims = this.dims;
    o.regIsVec[slot] = 1;
    o.regScalar[slot] = 0;
    for (let d = 0; d < dims; d++) o.regVec[slot * dims + d] = src[off + d]!;
    if (slot < 32) o.regDirtyLo |= 1 << slot;
    else o.regDirtyHi |= 1 << (slot - 32);
    return true;
  }

  /** Writes a vector into a location register (LR-operand instructions); data registers refuse. */
  writeLocation(o: Organism, id: number, src: ArrayLike<number>, off: number): boolean {
    const slot = slotOf(id);
    if (slot < 0 || LOCATION_SLOT[slot] !== 1) {
      o.fail(`Invalid location register: ${id}`);
      return false;
    }
    return this.writeVector(o, id, src, off);
  }

  /** Slot of a location register operand, or -1 (with failure). */
  locationSlot(o: Organism, id: number): number {
    const slot = slotOf(id);
    if (slot < 0 || LOCATION_SLOT[slot] !== 1) {
      o.fail(`Invalid location register: ${id}`);
      return -1;
    }
    return slot;
  }

  /** Writes the instruction's result to operand `k`'s register, or pushes it when that operand came from the stack. */
  storeScalar(o: Organism, k: number, value: number): void {
    const id = o.opReg[k]!;
    if (id !== -1) this.writeScalar(o, id, value);
    else if (!o.pushScalar(value)) o.fail('Stack overflow');
  }

  storeVector(o: Organism, k: number, src: ArrayLike<number>, off: number): void {
    const id = o.opReg[k]!;
    if (id !== -1) this.writeVector(o, id, src, off);
    else if (!o.pushVector(src, off)) o.fail('Stack overflow');
  }

  /** Unit-vector check on operand k with the reference's failure message. */
  isUnit(o: Organism, k: number): boolean {
    const dims = this.dims;
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += Math.abs(o.opVec[k * dims + d]!);
    if (sum !== 1) {
      o.fail(`Vector is not a unit vector (sum of abs components is ${sum})`);
      return false;
    }
    return true;
  }

  isUnitArray(o: Organism, v: ArrayLike<number>, off: number): boolean {
    let sum = 0;
    for (let d = 0; d < this.dims; d++) sum += Math.abs(v[off + d]!);
    if (sum !== 1) {
      o.fail(`Vector is not a unit vector (sum of abs components is ${sum})`);
      return false;
    }
    return true;
  }

  /** Flat index of active DP + operand vector k (-1 outside a bounded world). */
  dpTarget(o: Organism, k: number): number {
    return this.world.offsetIndex(o.dps, o.activeDpOffset, o.opVec, k * this.dims);
  }
}
