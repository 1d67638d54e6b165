/**
 * Turns one stored chunk into the samples metric plugins measure: per sampled tick its organisms (rebuilt
 * from the snapshot and the organism deltas by OrganismTimeline, without copies), the run's organism count,
 * and, when some plugin needs it, a census of the world's cells kept up to date by the cell deltas.
 */
import { MoleculeType, moleculeType, moleculeValue } from '../../isa/molecule.js';
import { columnsToArrays } from '../contracts/columns.js';
import { CellDataColumns, type OrganismState } from '../contracts/index.js';
import { OrganismTimeline } from '../contracts/organism-timeline.js';
import { eachField } from '../contracts/wire-walk.js';
import type { AnalyticsSample, CellCensus } from './metric-plugin.js';

export interface RunFacts {
  readonly runId: string;
  readonly samplingInterval: number;
  readonly worldShape: readonly number[];
}

/** The world's cells during a walk over one chunk, and their census. */
class CellTracker implements CellCensus {
  private readonly molecules = new Map<number, number>();
  private readonly owners = new Map<number, number>();
  readonly cellsByType: number[] = new Array<number>(8).fill(0);
  energyInWorld = 0;
  ownedCells = 0;

  get occupiedCells(): number {
    return this.molecules.size;
  }

  apply(columns: Uint8Array): void {
    const { flatIndices, molecules, owners } = columnsToArrays(CellDataColumns.decode(columns));
    for (let i = 0; i < flatIndices.length; i++) {
      const idx = flatIndices[i]!;
      const oldM = this.molecules.get(idx);
      if (oldM !== undefined) this.count(oldM, this.owners.get(idx)!, -1);
      const m = molecules[i]!;
      const o = owners[i]!;
      if (m === 0 && o === 0) {
        this.molecules.delete(idx);
        this.owners.delete(idx);
      } else {
        this.molecules.set(idx, m);
        this.owners.set(idx, o);
        this.count(m, o, 1);
      }
    }
  }

  private count(m: number, owner: number, sign: 1 | -1): void {
    if (owner !== 0) this.ownedCells += sign;
    if (m === 0) return;
    const t = moleculeType(m);
    if (t < this.cellsByType.length) this.cellsByType[t]! += sign;
    if (t === MoleculeType.ENERGY) this.energyInWorld += sign * moleculeValue(m);
  }
}

/** Per sample of a chunk (in order): its tick, organism total and cell-column bytes, read from the wire. */
interface SampleWire {
  total: number;
  cells: Uint8Array | undefined;
}

function samplesOnWire(bytes: Uint8Array): SampleWire[] {
  const out: SampleWire[] = [];
  eachField(bytes, 0, bytes.length, (n, wt, start, end) => {
    if (wt !== 2 || (n !== 5 && n !== 6)) return;
    // TickData (snapshot): 4 cells, 7 total; TickDelta: 3 changed cells, 5 total.
    const cellsField = n === 5 ? 4 : 3;
    const totalField = n === 5 ? 7 : 5;
    const s: SampleWire = { total: 0, cells: undefined };
    eachField(bytes, start, end, (m, mwt, ms, me, v) => {
      if (m === cellsField && mwt === 2) s.cells = bytes.subarray(ms, me);
      else if (m === totalField && mwt === 0) s.total = v;
    });
    if (n === 5) out.unshift(s);
    else out.push(s);
  });
  return out;
}

/**
 * Calls `f` for every sample of the encoded TickDataChunk `bytes`, in tick order. The sample object and its
 * organisms are reused: read them during the call only.
 */
export function forEachAnalyticsSample(
  bytes: Uint8Array,
  run: RunFacts,
  withCells: boolean,
  f: (sample: AnalyticsSample) => void,
): void {
  const wire = samplesOnWire(bytes);
  const cells = withCells ? new CellTracker() : undefined;
  const timeline = OrganismTimeline.ofEncoded(bytes);
  const sample: {
    -readonly [K in keyof AnalyticsSample]: AnalyticsSample[K];
  } = {
    runId: run.runId,
    tick: 0,
    samplingInterval: run.samplingInterval,
    worldShape: run.worldShape,
    organisms: [] as OrganismState[],
    totalOrganismsCreated: 0,
    cells,
  };
  timeline.forEachSample((i, tick, organisms) => {
    const w = wire[i];
    if (cells && w?.cells) cells.apply(w.cells);
    sample.tick = tick;
    sample.organisms = organisms;
    sample.totalOrganismsCreated = w?.total ?? 0;
    f(sample);
  });
}
