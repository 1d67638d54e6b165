/**
 * Turns one stored chunk into the samples metric plugins measure: per sampled tick its organisms (the vitals
 * of organism-vitals.ts, rebuilt from the snapshot and the organism deltas straight from the wire), the run's
 * organism count, and, when some plugin needs it, a census of the world's cells kept up to date by the cell
 * deltas. Sample T shows the world after the step that advanced the clock to T (see bornSincePreviousSample).
 */
import { MoleculeType, moleculeType, moleculeValue } from '../../isa/molecule.js';
import { bytesToInt32 } from '../contracts/columns.js';
import { eachField } from '../contracts/wire-walk.js';
import type { AnalyticsSample, CellCensus } from './metric-plugin.js';
import {
  applyVitalsDelta,
  copyVitals,
  deltaOrganismId,
  newVitals,
  readVitals,
  type OrganismVitals,
} from './organism-vitals.js';

export interface RunFacts {
  readonly runId: string;
  readonly samplingInterval: number;
  readonly worldShape: readonly number[];
}

/** Worlds up to this many cells are mirrored in typed arrays; larger ones in maps (memory over speed). */
const DENSE_LIMIT = 1 << 22;

/** The world's cells during a walk over one chunk, and their census. */
class CellTracker implements CellCensus {
  private readonly denseMolecules: Int32Array | undefined;
  private readonly denseOwners: Int32Array | undefined;
  private readonly sparse = new Map<number, [number, number]>();
  /** Indices set in the dense arrays (cleared at the next snapshot). */
  private touched: number[] = [];
  readonly cellsByType: number[] = new Array<number>(8).fill(0);
  energyInWorld = 0;
  ownedCells = 0;
  occupiedCells = 0;

  constructor(cells: number) {
    if (cells <= DENSE_LIMIT) {
      this.denseMolecules = new Int32Array(cells);
      this.denseOwners = new Int32Array(cells);
    }
  }

  reset(): void {
    if (this.denseMolecules && this.denseOwners)
      for (const i of this.touched) {
        this.denseMolecules[i] = 0;
        this.denseOwners[i] = 0;
      }
    this.touched = [];
    this.sparse.clear();
    this.cellsByType.fill(0);
    this.energyInWorld = 0;
    this.ownedCells = 0;
    this.occupiedCells = 0;
  }

  /** Applies a CellDataColumns message bytes[start, end): each listed cell takes its new molecule and owner. */
  apply(bytes: Uint8Array, start: number, end: number): void {
    let idx: Int32Array | undefined;
    let mol: Int32Array | undefined;
    let own: Int32Array | undefined;
    eachField(bytes, start, end, (n, wt, s, e) => {
      if (wt !== 2) return;
      if (n === 1) idx = bytesToInt32(bytes.subarray(s, e));
      else if (n === 2) mol = bytesToInt32(bytes.subarray(s, e));
      else if (n === 3) own = bytesToInt32(bytes.subarray(s, e));
    });
    const n = idx?.length ?? 0;
    if (n === 0) return;
    if (mol?.length !== n || own?.length !== n)
      throw new RangeError(`cell columns differ in length (${n} indices, ${mol?.length ?? 0} molecules, ${own?.length ?? 0} owners)`);
    const dm = this.denseMolecules;
    const dow = this.denseOwners;
    for (let i = 0; i < n; i++) {
      const at = idx![i]!;
      const m = mol[i]!;
      const o = own[i]!;
      let oldM = 0;
      let oldO = 0;
      if (dm && dow) {
        if (at < 0 || at >= dm.length) throw new RangeError(`cell index ${at} outside the world`);
        oldM = dm[at]!;
        oldO = dow[at]!;
        if (oldM === 0 && oldO === 0 && (m !== 0 || o !== 0)) this.touched.push(at);
        dm[at] = m;
        dow[at] = o;
      } else {
        const old = this.sparse.get(at);
        if (old) [oldM, oldO] = old;
        if (m === 0 && o === 0) this.sparse.delete(at);
        else this.sparse.set(at, [m, o]);
      }
      if (oldM !== 0 || oldO !== 0) this.count(oldM, oldO, -1);
      if (m !== 0 || o !== 0) this.count(m, o, 1);
    }
  }

  private count(m: number, owner: number, sign: 1 | -1): void {
    this.occupiedCells += sign;
    if (owner !== 0) this.ownedCells += sign;
    if (m === 0) return;
    const t = moleculeType(m);
    if (t < this.cellsByType.length) this.cellsByType[t]! += sign;
    if (t === MoleculeType.ENERGY) this.energyInWorld += sign * moleculeValue(m);
  }
}

/** Where one sample's parts lie in the chunk's bytes. */
interface SampleWire {
  tick: number;
  total: number;
  accumulated: boolean;
  cells: [number, number] | undefined;
  /** Full states (snapshot, or format 1 deltas). */
  states: Array<[number, number]>;
  /** OrganismDeltas (format 2). */
  deltas: Array<[number, number]>;
}

function samplesOnWire(bytes: Uint8Array): SampleWire[] {
  const out: SampleWire[] = [];
  let snapshot: SampleWire | undefined;
  let firstTick = 0;
  eachField(bytes, 0, bytes.length, (n, wt, start, end, varint) => {
    if (n === 2 && wt === 0) firstTick = varint;
    if (wt !== 2 || (n !== 5 && n !== 6)) return;
    const s: SampleWire = { tick: -1, total: 0, accumulated: false, cells: undefined, states: [], deltas: [] };
    // TickData (snapshot): 2 tick, 3 organisms, 4 cells, 7 total. TickDelta: 1 tick, 2 type, 3 cells,
    // 4 full organisms (format 1), 5 total, 6 organism deltas.
    eachField(bytes, start, end, (m, mwt, ms, me, v) => {
      if (n === 5) {
        if (m === 2 && mwt === 0) s.tick = v;
        else if (m === 3 && mwt === 2) s.states.push([ms, me]);
        else if (m === 4 && mwt === 2) s.cells = [ms, me];
        else if (m === 7 && mwt === 0) s.total = v;
      } else if (m === 1 && mwt === 0) s.tick = v;
      else if (m === 2 && mwt === 0) s.accumulated = v === 2;
      else if (m === 3 && mwt === 2) s.cells = [ms, me];
      else if (m === 4 && mwt === 2) s.states.push([ms, me]);
      else if (m === 5 && mwt === 0) s.total = v;
      else if (m === 6 && mwt === 2) s.deltas.push([ms, me]);
    });
    if (n === 5) snapshot = s;
    else out.push(s);
  });
  if (snapshot) {
    if (snapshot.tick < 0) snapshot.tick = firstTick;
    out.unshift(snapshot);
  }
  return out;
}

/** Walks chunks of one run in order, reusing its buffers (a cell mirror of the world) across chunks. */
export class AnalyticsSampler {
  private readonly cells: CellTracker | undefined;

  constructor(
    readonly run: RunFacts,
    withCells: boolean,
  ) {
    let n = 1;
    for (const d of run.worldShape) n *= d;
    this.cells = withCells ? new CellTracker(n) : undefined;
  }

  /**
   * Calls `f` for every sample of the encoded TickDataChunk `bytes`, in tick order. The sample object and its
   * organisms are reused: read them during the call only.
   */
  forEachSample(bytes: Uint8Array, f: (sample: AnalyticsSample) => void): void {
    const wire = samplesOnWire(bytes);
    const cells = this.cells;
    cells?.reset();
    const sample: { -readonly [K in keyof AnalyticsSample]: AnalyticsSample[K] } = {
      runId: this.run.runId,
      tick: 0,
      samplingInterval: this.run.samplingInterval,
      worldShape: this.run.worldShape,
      organisms: [],
      totalOrganismsCreated: 0,
      cells,
    };
    let snapshotStates: OrganismVitals[] = [];
    let working = new Map<number, OrganismVitals>();
    wire.forEach((w, i) => {
      if (cells && w.cells) cells.apply(bytes, w.cells[0], w.cells[1]);
      let list: OrganismVitals[];
      if (w.states.length > 0 || w.deltas.length === 0) {
        list = w.states.map(([s, e]) => {
          const v = newVitals(0);
          readVitals(bytes, s, e, v);
          return v;
        });
        if (i === 0) snapshotStates = list.map(copyVitals);
      } else {
        const base = w.accumulated ? new Map(snapshotStates.map((v) => [v.organismId, copyVitals(v)])) : working;
        list = w.deltas.map(([s, e]) => {
          const id = deltaOrganismId(bytes, s, e);
          const v = base.get(id) ?? newVitals(id);
          applyVitalsDelta(bytes, s, e, v);
          return v;
        });
      }
      working = new Map(list.map((v) => [v.organismId, v]));
      sample.tick = w.tick;
      sample.organisms = list;
      sample.totalOrganismsCreated = w.total;
      f(sample);
    });
  }
}
