/**
 * Applying one decoded OrganismDelta to an organism's state (storage format 2; see proto/tickdata.proto).
 */
import { OrganismState, type OrganismDelta } from './index.js';
import { PipelineErrorCode } from '../error-codes.js';

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
  readonly code = PipelineErrorCode.ORGANISM_DELTA_INVALID;
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
    if (d.registerSlots.length !== st.registers.length)
      throw new OrganismDeltaError(
        `organism ${d.organismId}: ${d.registerSlots.length} register slots but ${st.registers.length} values`,
      );
    const regs = into.registers.slice();
    for (let k = 0; k < d.registerSlots.length; k++) {
      const slot = d.registerSlots[k]!;
      if (slot >= regs.length)
        throw new OrganismDeltaError(
          `organism ${d.organismId}: register slot ${slot} out of range (${regs.length} registers)`,
        );
      regs[slot] = st.registers[k]!;
    }
    into.registers = regs;
  }
  if (d.energyChange !== 0) into.energy = (into.energy + d.energyChange) | 0;
  if (d.entropyChange !== 0) into.entropyRegister = (into.entropyRegister + d.entropyChange) | 0;
}
