/**
 * The organisms of every sample of a chunk, rebuilt from what it stores: full states in the snapshot, then
 * per delta either every full state again (storage format 1) or one OrganismDelta per organism present
 * (format 2), applied to that organism's previous state in the chunk.
 */
import { OrganismState, type OrganismDelta, type TickDataChunk, type TickDelta } from './index.js';

/** OrganismState property of each field number (proto/tickdata.proto). */
const FIELD_PROPERTY: readonly (keyof OrganismState | undefined)[] = [
  undefined,
  'organismId',
  'parentId',
  'birthTick',
  'programId',
  'energy',
  'ip',
  'dv',
  'dataPointers',
  'activeDpIndex',
  'registers',
  'dataStack',
  'locationStack',
  'callStack',
  'isDead',
  'deathTick',
  'instructionFailed',
  'failureReason',
  'entropyRegister',
  'moleculeMarkerRegister',
  'genomeHash',
  'initialPosition',
  'lastOpcodeId',
  'lastMolecule',
  'lastEnergyDelta',
  'lastEntropyDelta',
  'currentProcLabelHash',
  'deathCause',
];
const REGISTERS_BIT = 1 << 9;
const EMPTY_STATE = new OrganismState();

export class OrganismDeltaError extends RangeError {
  readonly code = 'ORGANISM_DELTA_INVALID';
}

/**
 * Applies `d` to `into` (the organism's state at its previous sample, or a fresh state for an organism born
 * since) in place. Properties are replaced, never mutated, so copies taken earlier stay valid.
 */
export function applyOrganismDelta(into: OrganismState, d: OrganismDelta): void {
  // Decoded messages: repeated fields are arrays (possibly empty), never null.
  const st = (d.state ?? EMPTY_STATE) as OrganismState;
  const target = into as unknown as Record<string, unknown>;
  const source = st as unknown as Record<string, unknown>;
  let mask = d.changedFields >>> 0;
  while (mask !== 0) {
    const low = mask & -mask;
    const field = 31 - Math.clz32(low);
    const name = FIELD_PROPERTY[field + 1];
    if (name !== undefined) target[name] = source[name];
    mask ^= low;
  }
  if ((d.changedFields & REGISTERS_BIT) === 0 && d.registerSlots.length > 0) {
    if (d.registerSlots.length !== st.registers.length) throw new OrganismDeltaError(`organism ${d.organismId}: ${d.registerSlots.length} register slots but ${st.registers.length} values`);
    const regs = into.registers.slice();
    for (let k = 0; k < d.registerSlots.length; k++) {
      const slot = d.registerSlots[k]!;
      if (slot >= regs.length) throw new OrganismDeltaError(`organism ${d.organismId}: register slot ${slot} out of range (${regs.length} registers)`);
      regs[slot] = st.registers[k]!;
    }
    into.registers = regs;
  }
  if (d.energyChange !== 0) into.energy = (into.energy + d.energyChange) | 0;
  if (d.entropyChange !== 0) into.entropyRegister = (into.entropyRegister + d.entropyChange) | 0;
}

/** Whether a delta sample stores full states (format 1, or no organism at all). */
function isFull(delta: { organisms: readonly unknown[]; organismDeltas?: readonly unknown[] | null }): boolean {
  return delta.organisms.length > 0 || (delta.organismDeltas?.length ?? 0) === 0;
}

/**
 * Walks a chunk's samples in order and hands out the organisms of any of them. Going forward continues from
 * the current sample; going back starts over at the snapshot. The states handed out are copies: later steps
 * never change them.
 */
export class OrganismTimeline {
  private readonly ticks: number[];
  private index = -1;
  private working: OrganismState[] = [];

  constructor(readonly chunk: TickDataChunk) {
    this.ticks = [Number(chunk.snapshot?.tickNumber ?? chunk.firstTick), ...chunk.deltas.map((d) => Number(d.tickNumber))];
  }

  /** Sampled ticks of the chunk, ascending. */
  get sampledTicks(): readonly number[] {
    return this.ticks;
  }

  /** The organisms at `tick` (copies), or undefined when the chunk did not sample it. */
  at(tick: number): OrganismState[] | undefined {
    const target = this.ticks.indexOf(tick);
    if (target < 0) return undefined;
    return this.atSample(target);
  }

  /** The organisms at the sample with this index (0 = snapshot). */
  atSample(target: number): OrganismState[] {
    if (target < this.index) this.index = -1;
    while (this.index < target) this.step();
    return this.working.map((s) => new OrganismState(s));
  }

  private step(): void {
    const next = this.index + 1;
    if (next === 0) {
      this.working = (this.chunk.snapshot?.organisms ?? []).map((s) => new OrganismState(s));
    } else {
      const d = this.chunk.deltas[next - 1] as TickDelta;
      if (isFull(d)) this.working = d.organisms.map((s) => new OrganismState(s));
      else {
        const previous = new Map<number, OrganismState>();
        for (const s of this.working) previous.set(s.organismId, s);
        const list: OrganismState[] = [];
        for (const od of d.organismDeltas as OrganismDelta[]) {
          let s = previous.get(od.organismId);
          if (!s) {
            s = new OrganismState();
            s.organismId = od.organismId;
          }
          applyOrganismDelta(s, od);
          list.push(s);
        }
        this.working = list;
      }
    }
    this.index = next;
  }
}

/** Every sample of the chunk with its organisms (copies), in order. */
export function organismSamplesOf(chunk: TickDataChunk): Array<{ tick: number; organisms: OrganismState[] }> {
  const t = new OrganismTimeline(chunk);
  return t.sampledTicks.map((tick, i) => ({ tick, organisms: t.atSample(i) }));
}
