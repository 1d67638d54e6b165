/**
 * An organism's brief: the fields of its stored state that a list of organisms shows (identity, energy, entropy,
 * position and pointers, life), without its registers and stacks. A mature organism's full state is ~100 objects,
 * ~90 of them registers; rebuilding the briefs of a sample reads past those bytes and allocates a few objects per
 * organism, so listing the organisms at a tick costs a fraction of rebuilding their states (and of the collections
 * that garbage caused). Field names and defaults are OrganismState's, so code that reads these fields takes either.
 */
import type { OrganismState } from './index.js';

/** A vector as an OrganismState holds it. */
export interface BriefVector {
  readonly components: readonly number[];
}

export interface OrganismBrief {
  readonly organismId: number;
  readonly parentId: number;
  readonly birthTick: number;
  readonly programId: string;
  readonly energy: number;
  readonly ip: BriefVector | null;
  readonly dv: BriefVector | null;
  readonly dataPointers: readonly BriefVector[];
  readonly activeDpIndex: number;
  readonly isDead: boolean;
  readonly deathTick: number;
  readonly entropyRegister: number;
  readonly genomeHash: string;
}

/** A brief being built (the wire readers fill one field by field; nothing mutates a brief once handed out). */
export type MutableBrief = { -readonly [K in keyof OrganismBrief]: OrganismBrief[K] };

/**
 * Bits of OrganismDelta.changed_fields (field number − 1) of the fields a brief holds: organism_id 1, parent_id 2,
 * birth_tick 3, program_id 4, energy 5, ip 6, dv 7, data_pointers 8, active_dp_index 9, is_dead 14, death_tick 15,
 * entropy_register 18, genome_hash 20.
 */
export const BRIEF_FIELD_BITS =
  (1 << 0) |
  (1 << 1) |
  (1 << 2) |
  (1 << 3) |
  (1 << 4) |
  (1 << 5) |
  (1 << 6) |
  (1 << 7) |
  (1 << 8) |
  (1 << 13) |
  (1 << 14) |
  (1 << 17) |
  (1 << 19);

/** A brief with every field at its protobuf default (an organism first seen in a delta starts from it). */
export function emptyBrief(organismId = 0): MutableBrief {
  return {
    organismId,
    parentId: 0,
    birthTick: 0,
    programId: '',
    energy: 0,
    ip: null,
    dv: null,
    dataPointers: [],
    activeDpIndex: 0,
    isDead: false,
    deathTick: 0,
    entropyRegister: 0,
    genomeHash: '',
  };
}

/** A copy whose fields can be replaced (its vectors are shared: they are never changed, only replaced). */
export function copyBrief(b: OrganismBrief): MutableBrief {
  return {
    organismId: b.organismId,
    parentId: b.parentId,
    birthTick: b.birthTick,
    programId: b.programId,
    energy: b.energy,
    ip: b.ip,
    dv: b.dv,
    dataPointers: b.dataPointers,
    activeDpIndex: b.activeDpIndex,
    isDead: b.isDead,
    deathTick: b.deathTick,
    entropyRegister: b.entropyRegister,
    genomeHash: b.genomeHash,
  };
}

function vectorOf(v: { components?: number[] | null } | null | undefined): BriefVector | null {
  return v ? { components: [...(v.components ?? [])] } : null;
}

/** The brief of a decoded state (readers of per-tick blobs, and the check that the wire path agrees). */
export function briefOf(s: OrganismState): OrganismBrief {
  return {
    organismId: s.organismId,
    parentId: s.parentId,
    birthTick: Number(s.birthTick),
    programId: s.programId,
    energy: s.energy,
    ip: vectorOf(s.ip),
    dv: vectorOf(s.dv),
    dataPointers: (s.dataPointers ?? []).map((v) => vectorOf(v)!),
    activeDpIndex: s.activeDpIndex,
    isDead: s.isDead,
    deathTick: Number(s.deathTick),
    entropyRegister: s.entropyRegister,
    genomeHash: s.genomeHash,
  };
}
