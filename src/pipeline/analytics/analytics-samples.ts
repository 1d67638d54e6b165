/**
 * Turns one stored chunk into the samples metric plugins measure: per sampled tick its organisms (the vitals
 * of organism-vitals.ts, rebuilt from the snapshot and the organism deltas straight from the wire), the run's
 * organism count, and, when some plugin needs it, a census of the world's cells kept up to date by the cell
 * deltas. Sample T shows the world after the step that advanced the clock to T (see bornSincePreviousSample).
 */
import { MoleculeType, moleculeType, moleculeValue } from '../../isa/molecule.js';
import { columnsAtInto, type ColumnScratch } from '../contracts/columns.js';
import { cur, skip, uvarint } from './wire-cursor.js';
import { Lineage } from './lineage.js';
import type { AnalyticsSample, CellCensus } from './metric-plugin.js';
import {
  applyVitalsDelta,
  copyVitals,
  copyVitalsInto,
  DEAD_BIT,
  deltaHeader,
  deltaOrganismId,
  readDeltaHeader,
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

const NONE = new Int32Array(0);

/** The census of the cells `mol`/`own` lists: non-empty cells per type in `byType` (zeroed first), and totals. */
function censusOf(
  mol: Int32Array,
  own: Int32Array,
  byType: number[],
): { energy: number; owned: number; occupied: number } {
  byType.fill(0);
  let energy = 0;
  let owned = 0;
  let occupied = 0;
  for (let i = 0; i < mol.length; i++) {
    const m = mol[i]!;
    const o = own[i]!;
    if ((m | o) === 0) continue;
    occupied++;
    if (o !== 0) owned++;
    if (m === 0) continue;
    const t = moleculeType(m);
    if (t < byType.length) byType[t]!++;
    if (t === MoleculeType.ENERGY) energy += moleculeValue(m);
  }
  return { energy, owned, occupied };
}

/** The world's cells during a walk over one chunk, and their census. */
class CellTracker implements CellCensus {
  private readonly denseMolecules: Int32Array | undefined;
  private readonly denseOwners: Int32Array | undefined;
  private readonly sparse = new Map<number, [number, number]>();
  /** The columns being applied (copied off the wire into memory reused from sample to sample). */
  private readonly scratch: ColumnScratch = { buffer: new ArrayBuffer(0) };
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

  /**
   * Takes a snapshot's cells bytes[start, end) as the whole world (cells it does not list are empty), mirrored for
   * the deltas applied after it, and counts them afresh: a snapshot lists every occupied cell of a mature world
   * (over half of it), and comparing each with its old value, as a delta must, cost more than the rest of the walk.
   */
  load(bytes: Uint8Array, start: number, end: number): void {
    const {
      flatIndices: idx,
      molecules: mol,
      owners: own,
    } = start >= 0
      ? columnsAtInto(bytes, start, end, this.scratch)
      : { flatIndices: NONE, molecules: NONE, owners: NONE };
    const n = idx.length;
    const dm = this.denseMolecules;
    const dow = this.denseOwners;
    if (dm && dow) {
      dm.fill(0);
      dow.fill(0);
    } else this.sparse.clear();
    for (let i = 0; i < n; i++) {
      const at = idx[i]!;
      const m = mol[i]!;
      const o = own[i]!;
      if (dm && dow) {
        if (at < 0 || at >= dm.length) throw new RangeError(`cell index ${at} outside the world`);
        dm[at] = m;
        dow[at] = o;
      } else if ((m | o) !== 0) this.sparse.set(at, [m, o]);
    }
    const c = censusOf(mol, own, this.cellsByType);
    this.energyInWorld = c.energy;
    this.ownedCells = c.owned;
    this.occupiedCells = c.occupied;
  }

  /** The last snapshot taken by countSnapshot: its cells (ascending flat indices, in memory of its own) and census. */
  private readonly snapshotScratch: ColumnScratch = { buffer: new ArrayBuffer(0) };
  private snapshot: { flatIndices: Int32Array; molecules: Int32Array; owners: Int32Array } = {
    flatIndices: NONE,
    molecules: NONE,
    owners: NONE,
  };
  private readonly snapshotByType: number[] = new Array<number>(8).fill(0);
  private snapshotCounts = { energy: 0, owned: 0, occupied: 0 };

  /**
   * Takes a snapshot's cells bytes[start, end) for samples measured against it only (sinceSnapshot): counted, not
   * mirrored into the world arrays. Loading them (load) wrote every occupied cell of a mature world (over half a
   * million) into two world-sized arrays once per chunk, for the few thousand cells an ACCUMULATED sample changes.
   */
  countSnapshot(bytes: Uint8Array, start: number, end: number): void {
    this.snapshot =
      start >= 0
        ? columnsAtInto(bytes, start, end, this.snapshotScratch)
        : { flatIndices: NONE, molecules: NONE, owners: NONE };
    this.snapshotCounts = censusOf(this.snapshot.molecules, this.snapshot.owners, this.snapshotByType);
    this.sinceSnapshot(bytes, -1, -1);
  }

  /**
   * The cells of the previous ACCUMULATED sample (ascending flat indices) with the values it gave them, and the
   * census it made. Each ACCUMULATED sample lists every cell changed since the snapshot, so it lists the previous
   * one's cells again (plus those changed since), mostly with the same values: its census is the previous one
   * with each listed cell's change since then counted, and only cells new to the list are looked up in the
   * snapshot. Looking every listed cell up in the snapshot at every ACCUMULATED sample (a binary search over
   * hundreds of thousands of cells for each of thousands) was ~8 % of the main thread's time on a default node.
   */
  private listed = { idx: new Int32Array(0), mol: new Int32Array(0), own: new Int32Array(0), n: 0 };
  private nextListed = { idx: new Int32Array(0), mol: new Int32Array(0), own: new Int32Array(0), n: 0 };

  /**
   * The census of an ACCUMULATED sample (every cell changed since the snapshot, bytes[start, end); none when
   * start < 0: the snapshot's census). Cells the sample lists that the previous one did not (or all of them,
   * when they are not in ascending order, as no writer of ours stores them) are counted against the snapshot.
   */
  sinceSnapshot(bytes: Uint8Array, start: number, end: number): void {
    if (start < 0) {
      this.resetToSnapshot();
      return;
    }
    const { flatIndices: idx, molecules: mol, owners: own } = columnsAtInto(bytes, start, end, this.scratch);
    const k = idx.length;
    let ascending = true;
    for (let i = 1; i < k; i++)
      if (idx[i - 1]! >= idx[i]!) {
        ascending = false;
        break;
      }
    if (!ascending) {
      // Against the snapshot alone, cell by cell; the next sample starts over from the snapshot too.
      this.resetToSnapshot();
      for (let i = 0; i < k; i++) this.fromSnapshot(idx[i]!, mol[i]!, own[i]!);
      this.censusIsListed = false;
      return;
    }
    if (!this.censusIsListed) this.resetToSnapshot();
    const prev = this.listed;
    const next = this.nextListed;
    if (next.idx.length < k) {
      const cap = Math.max(k, next.idx.length * 2, 1024);
      next.idx = new Int32Array(cap);
      next.mol = new Int32Array(cap);
      next.own = new Int32Array(cap);
    }
    const { idx: pi, mol: pm, own: po } = prev;
    const pn = prev.n;
    let j = 0;
    for (let i = 0; i < k; i++) {
      const at = idx[i]!;
      // Cells the previous sample listed and this one does not are back to their snapshot values.
      for (; j < pn && pi[j]! < at; j++) this.toSnapshot(pi[j]!, pm[j]!, po[j]!);
      const m = mol[i]!;
      const o = own[i]!;
      if (j < pn && pi[j] === at) {
        if (pm[j] !== m || po[j] !== o) this.recount(pm[j]!, po[j]!, m, o);
        j++;
      } else this.fromSnapshot(at, m, o);
    }
    for (; j < pn; j++) this.toSnapshot(pi[j]!, pm[j]!, po[j]!);
    next.idx.set(idx);
    next.mol.set(mol);
    next.own.set(own);
    next.n = k;
    this.listed = next;
    this.nextListed = prev;
  }

  /** Whether the census is the snapshot's with the `listed` cells' values (false after an unordered sample). */
  private censusIsListed = true;

  /** The snapshot's census, and no cell listed since. */
  private resetToSnapshot(): void {
    for (let t = 0; t < this.cellsByType.length; t++) this.cellsByType[t] = this.snapshotByType[t]!;
    this.energyInWorld = this.snapshotCounts.energy;
    this.ownedCells = this.snapshotCounts.owned;
    this.occupiedCells = this.snapshotCounts.occupied;
    this.listed.n = 0;
    this.censusIsListed = true;
  }

  /** A cell's value in the snapshot, set by lookUp (0, 0 when the snapshot does not list it). */
  private snapM = 0;
  private snapO = 0;

  /** Finds cell `at` in the snapshot (which lists its cells in ascending order): snapM, snapO. */
  private lookUp(at: number): void {
    const { flatIndices: si, molecules: sm, owners: so } = this.snapshot;
    let lo = 0;
    let hi = si.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = si[mid]!;
      if (v < at) lo = mid + 1;
      else if (v > at) hi = mid - 1;
      else {
        this.snapM = sm[mid]!;
        this.snapO = so[mid]!;
        return;
      }
    }
    this.snapM = 0;
    this.snapO = 0;
  }

  /** Cell `at` goes from its snapshot value to (m, o). */
  private fromSnapshot(at: number, m: number, o: number): void {
    this.lookUp(at);
    this.recount(this.snapM, this.snapO, m, o);
  }

  /** Cell `at` goes from (m, o) back to its snapshot value. */
  private toSnapshot(at: number, m: number, o: number): void {
    this.lookUp(at);
    this.recount(m, o, this.snapM, this.snapO);
  }

  /** A cell changes from (oldM, oldO) to (m, o) in the census. */
  private recount(oldM: number, oldO: number, m: number, o: number): void {
    if ((oldM | oldO) !== 0) this.count(oldM, oldO, -1);
    if ((m | o) !== 0) this.count(m, o, 1);
  }

  /** Applies a CellDataColumns message bytes[start, end): each listed cell takes its new molecule and owner. */
  apply(bytes: Uint8Array, start: number, end: number): void {
    const { flatIndices: idx, molecules: mol, owners: own } = columnsAtInto(bytes, start, end, this.scratch);
    const n = idx.length;
    const dm = this.denseMolecules;
    const dow = this.denseOwners;
    for (let i = 0; i < n; i++) {
      const at = idx[i]!;
      const m = mol[i]!;
      const o = own[i]!;
      let oldM = 0;
      let oldO = 0;
      if (dm && dow) {
        if (at < 0 || at >= dm.length) throw new RangeError(`cell index ${at} outside the world`);
        oldM = dm[at]!;
        oldO = dow[at]!;
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

/** Where one sample's parts lie in the chunk's bytes (offsets as flat start, end pairs: no tuple per organism). */
interface SampleWire {
  tick: number;
  total: number;
  accumulated: boolean;
  cellsStart: number;
  cellsEnd: number;
  /** Full states (snapshot, or format 1 deltas); NO_STATES, shared and never written, when there are none. */
  states: number[];
  /**
   * OrganismDeltas (format 2): how many, and the bytes from the first one's tag to the last one's end. Their
   * offsets are read when a sample is rebuilt (deltaOffsets): most samples only need the count, and a list per
   * sample was most of what the walk allocated (~1 MB per mature chunk).
   */
  deltaCount: number;
  deltasStart: number;
  deltasEnd: number;
}

const NO_STATES: number[] = [];

function samplesOnWire(bytes: Uint8Array): SampleWire[] {
  const out: SampleWire[] = [];
  let snapshot: SampleWire | undefined;
  let firstTick = 0;
  const end = bytes.length;
  cur.pos = 0;
  while (cur.pos < end) {
    const key = uvarint(bytes, end);
    const n = key >>> 3;
    const wt = key & 7;
    if (wt === 0) {
      const v = uvarint(bytes, end);
      if (n === 2) firstTick = v;
      continue;
    }
    if (wt !== 2) {
      skip(bytes, wt, end);
      continue;
    }
    const len = uvarint(bytes, end);
    const stop = cur.pos + len;
    if (stop > end) throw new RangeError('chunk field runs past its end');
    if (n === 5) snapshot = sampleAt(bytes, stop, true);
    else if (n === 6) out.push(sampleAt(bytes, stop, false));
    cur.pos = stop;
  }
  if (snapshot) {
    if (snapshot.tick < 0) snapshot.tick = firstTick;
    out.unshift(snapshot);
  }
  return out;
}

/** The key byte of a TickDelta's organism_deltas (field 6, length-delimited). */
const ORGANISM_DELTA_KEY = (6 << 3) | 2;

/**
 * The parts of a TickData (snapshot: 2 tick, 3 organisms, 4 cells, 7 total) or TickDelta (1 tick, 2 type,
 * 3 cells, 4 full organisms of format 1, 5 total, 6 organism deltas) from cur.pos to `stop`.
 */
function sampleAt(bytes: Uint8Array, stop: number, snap: boolean): SampleWire {
  const s: SampleWire = {
    tick: -1,
    total: 0,
    accumulated: false,
    cellsStart: -1,
    cellsEnd: -1,
    states: NO_STATES,
    deltaCount: 0,
    deltasStart: -1,
    deltasEnd: -1,
  };
  while (cur.pos < stop) {
    const keyAt = cur.pos;
    if (!snap && bytes[keyAt] === ORGANISM_DELTA_KEY) {
      // A run of organism deltas (a sample's last and by far most numerous fields): counted and skipped in a loop
      // of its own, lengths of one or two bytes read inline.
      if (s.deltaCount === 0) s.deltasStart = keyAt;
      let p = keyAt;
      while (p < stop && bytes[p] === ORGANISM_DELTA_KEY) {
        if (p + 1 >= stop) throw new RangeError('truncated varint');
        let len = bytes[p + 1]!;
        p += 2;
        if (len >= 0x80) {
          cur.pos = p - 1;
          len = uvarint(bytes, stop);
          p = cur.pos;
        }
        p += len;
        s.deltaCount++;
      }
      if (p > stop) throw new RangeError('sample field runs past its end');
      s.deltasEnd = p;
      cur.pos = p;
      continue;
    }
    const key = uvarint(bytes, stop);
    const m = key >>> 3;
    const wt = key & 7;
    if (wt === 0) {
      const v = uvarint(bytes, stop);
      if (m === (snap ? 2 : 1)) s.tick = v;
      else if (m === (snap ? 7 : 5)) s.total = v;
      else if (!snap && m === 2) s.accumulated = v === 2;
    } else if (wt === 2) {
      const len = uvarint(bytes, stop);
      const from = cur.pos;
      const to = from + len;
      if (to > stop) throw new RangeError('sample field runs past its end');
      if (m === (snap ? 3 : 4)) {
        if (s.states === NO_STATES) s.states = [];
        s.states.push(from, to);
      } else if (m === (snap ? 4 : 3)) {
        s.cellsStart = from;
        s.cellsEnd = to;
      } else if (!snap && m === 6) {
        if (s.deltaCount++ === 0) s.deltasStart = keyAt;
        s.deltasEnd = to;
      }
      cur.pos = to;
    } else skip(bytes, wt, stop);
  }
  return s;
}

/** How often per-tick plugins measure (see AnalyticsSample). */
export type AnalyticsResolution = 'snapshots' | 'every-sample';

export interface SampleHandlers {
  /** Every sample (organisms only when it is also measured), for the everySample plugins. */
  readonly sample?: (sample: AnalyticsSample) => void;
  /** A measured sample, for the per-tick plugins. */
  readonly measured?: (sample: AnalyticsSample) => void;
  /** A sample with births or deaths, for the events plugins. */
  readonly events?: (sample: AnalyticsSample) => void;
}

const NO_ORGANISMS: readonly OrganismVitals[] = [];

/**
 * The OrganismDeltas of sample `w` as flat start, end pairs of their values, in `into` (reused: valid until its
 * next use). Other fields between them, which our writers never put there, are skipped.
 */
function deltaOffsets(bytes: Uint8Array, w: SampleWire, into: number[]): number[] {
  // Written by index, the length set at the end: `length = 0` would drop the array's storage every sample.
  let n = 0;
  const stop = w.deltasEnd;
  cur.pos = w.deltasStart;
  while (cur.pos < stop) {
    const key = uvarint(bytes, stop);
    if ((key & 7) !== 2) {
      skip(bytes, key & 7, stop);
      continue;
    }
    const len = uvarint(bytes, stop);
    const from = cur.pos;
    if (key >>> 3 === 6) {
      into[n++] = from;
      into[n++] = from + len;
    }
    cur.pos = from + len;
  }
  if (into.length !== n) into.length = n;
  return into;
}

/**
 * Walks the chunks of one run in tick order. At resolution `snapshots` only the samples storage holds whole
 * (snapshot, ACCUMULATED) are rebuilt; in between, each organism delta's id and mask are read to find births
 * (an id not seen in the chunk) and deaths (the is_dead bit), and only those deltas are parsed. Births and
 * deaths waiting for the next measured sample carry over from one chunk to the next.
 */
export class AnalyticsSampler {
  private readonly cells: CellTracker | undefined;
  private pendingBorn: OrganismVitals[] = [];
  private pendingDied: OrganismVitals[] = [];
  private lastMeasuredTick = -1;
  /** Offsets of the organism deltas of the sample being rebuilt (see deltaOffsets). */
  private readonly offsets: number[] = [];

  constructor(
    readonly run: RunFacts,
    withCells: boolean,
    readonly resolution: AnalyticsResolution = 'every-sample',
    private readonly lineage: Lineage = new Lineage(),
  ) {
    let n = 1;
    for (const d of run.worldShape) n *= d;
    this.cells = withCells ? new CellTracker(n) : undefined;
  }

  /** Walks the encoded TickDataChunk `bytes`. Sample objects and their organisms are valid during a call only. */
  walk(bytes: Uint8Array, on: SampleHandlers): void {
    const wire = samplesOnWire(bytes);
    const cells = this.cells;
    const every = this.resolution === 'every-sample';
    const interval = this.run.samplingInterval;
    const sample: { -readonly [K in keyof AnalyticsSample]: AnalyticsSample[K] } = {
      runId: this.run.runId,
      tick: 0,
      samplingInterval: interval,
      worldShape: this.run.worldShape,
      span: interval,
      events: { born: [], died: [] },
      organisms: NO_ORGANISMS,
      alive: 0,
      totalOrganismsCreated: 0,
      cells,
    };
    let snapshotStates: OrganismVitals[] = [];
    // By id, the organisms' latest states. Organisms that left (died and pruned) stay in the map until the chunk
    // ends: ids are never reused, and only ids a sample lists are looked up.
    let byId = new Map<number, OrganismVitals>();
    const list: OrganismVitals[] = [];
    // The sample's births and deaths: one pair of lists for the whole walk, emptied per sample (a sample is valid
    // during its call only), so the samples without either, nearly all of them, allocate nothing.
    const born: OrganismVitals[] = [];
    const died: OrganismVitals[] = [];
    const events = { born, died };
    const accumulatedBase: OrganismVitals[] = [];
    // Whether every sample measured after the snapshot is ACCUMULATED (resolution `snapshots`, format 2, organisms
    // alive): their censuses then come from the snapshot's and the cells changed since, and the world need not be
    // mirrored. Otherwise (every sample, format 1, an empty world) each measured sample's cells are applied in turn.
    const sinceSnapshot =
      cells !== undefined &&
      !every &&
      wire.every((w, i) => i === 0 || w.accumulated || !(w.states.length > 0 || w.deltaCount === 0));
    wire.forEach((w, i) => {
      sample.tick = w.tick;
      sample.totalOrganismsCreated = w.total;
      const full = w.states.length > 0 || w.deltaCount === 0;
      const measured = every || full || w.accumulated;
      born.length = 0;
      died.length = 0;
      // Organisms present at the sample: the snapshot's states, or one delta each.
      const present = full ? w.states.length / 2 : w.deltaCount;
      if (measured) {
        if (cells && sinceSnapshot) {
          if (i === 0) cells.countSnapshot(bytes, w.cellsStart, w.cellsEnd);
          else cells.sinceSnapshot(bytes, w.cellsStart, w.cellsEnd);
        } else if (cells && i === 0) cells.load(bytes, w.cellsStart, w.cellsEnd);
        else if (cells && w.cellsStart >= 0) cells.apply(bytes, w.cellsStart, w.cellsEnd);
        // Filled by index, its length set after (as deltaOffsets does).
        let listed = 0;
        if (full) {
          byId = new Map();
          for (let k = 0; k < w.states.length; k += 2) {
            const v = newVitals(0);
            readVitals(bytes, w.states[k]!, w.states[k + 1]!, v);
            list[listed++] = v;
            byId.set(v.organismId, v);
          }
          if (i === 0) snapshotStates = list.slice(0, listed).map(copyVitals);
        } else {
          // An ACCUMULATED sample's deltas are against the snapshot: its organisms again, in objects reused from
          // one ACCUMULATED sample to the next (what a sample hands out is valid during its call only).
          if (w.accumulated) {
            byId = new Map();
            for (let k = 0; k < snapshotStates.length; k++) {
              const v = (accumulatedBase[k] ??= newVitals(0));
              copyVitalsInto(snapshotStates[k]!, v);
              byId.set(v.organismId, v);
            }
          }
          const d = deltaOffsets(bytes, w, this.offsets);
          for (let k = 0; k < d.length; k += 2) {
            const id = deltaOrganismId(bytes, d[k]!, d[k + 1]!);
            let v = byId.get(id);
            if (!v) byId.set(id, (v = newVitals(id)));
            applyVitalsDelta(bytes, d[k]!, d[k + 1]!, v);
            list[listed++] = v;
          }
        }
        if (list.length !== listed) list.length = listed;
        for (let k = 0; k < list.length; k++) {
          const v = list[k]!;
          if (bornSince(v, w.tick, interval)) born.push(copyVitals(v));
          if (v.isDead) died.push(copyVitals(v));
        }
      } else if (mayHoldBirthOrDeath(bytes, wire, i, this.offsets)) {
        // Between measured samples: only births and deaths.
        const d = deltaOffsets(bytes, w, this.offsets);
        for (let k = 0; k < d.length; k += 2) {
          readDeltaHeader(bytes, d[k]!, d[k + 1]!);
          const id = deltaHeader.id;
          const known = byId.get(id);
          if (!known) {
            const v = newVitals(id);
            applyVitalsDelta(bytes, d[k]!, d[k + 1]!, v);
            byId.set(id, v);
            if (bornSince(v, w.tick, interval)) born.push(copyVitals(v));
            if (v.isDead) died.push(copyVitals(v));
          } else if (deltaHeader.mask & DEAD_BIT) {
            const v = copyVitals(known);
            applyVitalsDelta(bytes, d[k]!, d[k + 1]!, v);
            if (v.isDead) died.push(v);
          }
        }
      }
      // Births before deaths: an organism may give birth in the step it dies in. (Indexed loops here and below:
      // this runs for every sample, and for-of left an iterator object per loop and sample.)
      for (let k = 0; k < born.length; k++) {
        const v = born[k]!;
        v.generation = this.lineage.born(v.organismId, v.parentId >= 0 ? v.parentId : null);
      }
      for (let k = 0; k < died.length; k++) died[k]!.generation = this.lineage.of(died[k]!.organismId);
      sample.alive = present - died.length;
      if (on.sample) {
        sample.span = interval;
        sample.events = events;
        sample.organisms = measured ? list : NO_ORGANISMS;
        on.sample(sample);
      }
      if (born.length > 0 || died.length > 0) {
        if (on.events) {
          sample.span = interval;
          sample.events = events;
          sample.organisms = NO_ORGANISMS;
          on.events(sample);
        }
        for (let k = 0; k < born.length; k++) this.pendingBorn.push(born[k]!);
        for (let k = 0; k < died.length; k++) this.pendingDied.push(died[k]!);
      }
      if (measured) {
        for (let k = 0; k < list.length; k++) list[k]!.generation = this.lineage.of(list[k]!.organismId);
        sample.span = this.lastMeasuredTick >= 0 ? w.tick - this.lastMeasuredTick : interval;
        sample.events = { born: this.pendingBorn, died: this.pendingDied };
        sample.organisms = list;
        on.measured?.(sample);
        for (const v of this.pendingDied) this.lineage.died(v.organismId);
        this.pendingBorn = [];
        this.pendingDied = [];
        this.lastMeasuredTick = w.tick;
      }
    });
  }
}

/**
 * Whether sample `i` (an incremental one) may hold a birth or a death; false lets the walk skip its organisms.
 * Ids are handed out in order, so a sample holds an organism born since the previous one only when the run's
 * count of created organisms grew. An organism that dies is present one last time, marked dead, and gone at the
 * next sample; so a sample holds a death only when the next one holds fewer organisms than this one plus those
 * new there. Where a count is missing (older writers) or there is no next sample in the chunk, the answer is yes.
 */
function mayHoldBirthOrDeath(bytes: Uint8Array, wire: readonly SampleWire[], i: number, scratch: number[]): boolean {
  const w = wire[i]!;
  const prev = wire[i - 1];
  const next = wire[i + 1];
  if (!prev || !next || w.total === 0 || prev.total === 0 || next.total === 0) return true;
  if (w.total !== prev.total || w.states.length > 0 || next.states.length > 0) return true;
  let bornNext = 0;
  if (next.total !== w.total) {
    const d = deltaOffsets(bytes, next, scratch);
    for (let k = 0; k < d.length; k += 2) if (deltaOrganismId(bytes, d[k]!, d[k + 1]!) > w.total) bornNext++;
  }
  return w.deltaCount + bornNext !== next.deltaCount;
}

/** Born since the previous sample (see bornSincePreviousSample). */
function bornSince(v: OrganismVitals, tick: number, interval: number): boolean {
  const b = v.birthTick;
  return v.parentId < 0 ? b > tick - interval && b <= tick : b >= tick - interval && b < tick;
}
