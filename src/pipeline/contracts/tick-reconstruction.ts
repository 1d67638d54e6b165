/**
 * Rebuilds the full state of any tick from its chunk: the snapshot's cells, then the newest ACCUMULATED delta
 * at or before the tick, then the INCREMENTAL deltas after it up to the tick. Organisms come from the sample
 * itself (every sample carries the complete list).
 */
import { columnsToArrays, type CellArrays } from './columns.js';
import { DeltaType, type OrganismState, type TickDataChunk } from './index.js';
import { OrganismTimeline } from './organism-timeline.js';
import { eachField } from './wire-walk.js';
import { readVarint } from './framing.js';

export interface ReconstructedTick {
  readonly simulationRunId: string;
  readonly tickNumber: number;
  readonly cells: CellArrays;
  readonly organisms: OrganismState[];
  readonly totalOrganismsCreated: number;
  /** 'snapshot', 'incremental' or 'accumulated': how the sample was stored. */
  readonly sampleKind: string;
}

export class TickNotInChunkError extends RangeError {
  constructor(tick: number, chunk: TickDataChunk) {
    const ticks = [Number(chunk.snapshot?.tickNumber ?? 0), ...chunk.deltas.map((d) => Number(d.tickNumber))];
    super(
      `tick ${tick} is not a sampled tick of chunk ${chunk.firstTick}..${chunk.lastTick} (samples: ${ticks.slice(0, 8).join(', ')}${ticks.length > 8 ? ', …' : ''})`,
    );
  }
}

/** Sampled ticks a chunk holds, ascending. */
export function ticksOf(chunk: TickDataChunk): number[] {
  return [Number(chunk.snapshot?.tickNumber ?? chunk.firstTick), ...chunk.deltas.map((d) => Number(d.tickNumber))];
}

function apply(state: Map<number, number>, owners: Map<number, number>, cols: CellArrays): void {
  const { flatIndices, molecules, owners: own } = cols;
  for (let i = 0; i < flatIndices.length; i++) {
    const idx = flatIndices[i]!;
    const m = molecules[i]!;
    const o = own[i]!;
    if (m === 0 && o === 0) {
      state.delete(idx);
      owners.delete(idx);
    } else {
      state.set(idx, m);
      owners.set(idx, o);
    }
  }
}

export function reconstructTick(chunk: TickDataChunk, tick: number): ReconstructedTick {
  const snapshot = chunk.snapshot;
  if (!snapshot) throw new RangeError(`chunk ${chunk.firstTick}..${chunk.lastTick} has no snapshot`);
  const snapTick = Number(snapshot.tickNumber);
  let target = -1;
  if (tick !== snapTick) {
    target = chunk.deltas.findIndex((d) => Number(d.tickNumber) === tick);
    if (target < 0) throw new TickNotInChunkError(tick, chunk);
  }
  const molecules = new Map<number, number>();
  const owners = new Map<number, number>();
  apply(molecules, owners, columnsToArrays(snapshot.cells));
  const organisms: OrganismState[] = new OrganismTimeline(chunk).atSample(target + 1);
  let total = Number(snapshot.totalOrganismsCreated);
  let kind = 'snapshot';
  if (target >= 0) {
    let start = 0;
    for (let i = target; i >= 0; i--) {
      if (chunk.deltas[i]!.deltaType === DeltaType.ACCUMULATED) {
        start = i;
        break;
      }
    }
    for (let i = start; i <= target; i++) apply(molecules, owners, columnsToArrays(chunk.deltas[i]!.changedCells));
    const d = chunk.deltas[target]!;
    total = Number(d.totalOrganismsCreated);
    kind = d.deltaType === DeltaType.ACCUMULATED ? 'accumulated' : 'incremental';
  }
  const indices = Int32Array.from(molecules.keys()).sort();
  const mol = new Int32Array(indices.length);
  const own = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    mol[i] = molecules.get(indices[i]!)!;
    own[i] = owners.get(indices[i]!)!;
  }
  return {
    simulationRunId: chunk.simulationRunId,
    tickNumber: tick,
    cells: { flatIndices: indices, molecules: mol, owners: own },
    organisms,
    totalOrganismsCreated: total,
    sampleKind: kind,
  };
}

/**
 * The sampled ticks of an encoded chunk (what ticksOf gives for the decoded one) without decoding it: the
 * snapshot's tick and each delta's, read from their first fields where the engine writes them. For checks over
 * whole runs (`evochora verify`): a chunk is walked once at its top level.
 */
export function sampledTicksOfEncoded(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let firstTick = 0;
  let snapshotTick: number | undefined;
  let hasSnapshot = false;
  eachField(bytes, 0, bytes.length, (n, wt, start, end, varint) => {
    if (n === 2 && wt === 0) firstTick = varint;
    else if (n === 5 && wt === 2) {
      hasSnapshot = true;
      snapshotTick = fieldVarint(bytes, start, end, 2);
    } else if (n === 6 && wt === 2) out.push(fieldVarint(bytes, start, end, 1) ?? 0);
  });
  if (hasSnapshot) out.unshift(snapshotTick ?? firstTick);
  return out;
}

/** The varint field `number` of the message in bytes[from, to): one tag read when it comes first. */
function fieldVarint(bytes: Uint8Array, from: number, to: number, number: number): number | undefined {
  const tag = readVarint(bytes, from, to);
  if (tag && tag[0] === number * 8) return readVarint(bytes, tag[1], to)?.[0];
  let found: number | undefined;
  eachField(bytes, from, to, (n, wt, _s, _e, v) => {
    if (found === undefined && n === number && wt === 0) found = v;
  });
  return found;
}
