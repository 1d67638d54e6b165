/**
 * Builds TickDataChunks from a running world: the first sample of a chunk is a full snapshot (every occupied
 * cell), later samples are deltas (INCREMENTAL: cells changed since the previous sample; every
 * `accumulatedDeltaInterval`-th one ACCUMULATED: cells changed since the snapshot). Stored bytes follow what
 * changes, not the world size: a snapshot is the previous one plus the cells changed since, and only the first
 * after a start or reset scans the world.
 *
 * The encoder reads the world's change list (`drainChanged`) once per sample, so it must see every sample.
 */
import { int32ToBytes } from '../contracts/columns.js';
import { DeltaType, OrganismState, type OrganismStateProps } from '../contracts/index.js';
import { OrganismDeltaJournal, type JournalContents } from './organism-delta-journal.js';
import { ProtoWriter, varintSize } from './proto-writer.js';

/** The part of the runtime world the encoder reads. */
export interface EncodableWorld {
  readonly size: number;
  readonly cells: Int32Array;
  readonly owners: Int32Array;
  drainChanged(visit?: (idx: number) => void): void;
  /** Cells written since the last reset (a view: no copy, unsorted, no duplicates). */
  changedIndicesView(): Int32Array;
  resetChanged(): void;
}

export interface ChunkEncoderOptions {
  readonly simulationRunId: string;
  /** Samples per chunk (1 snapshot + samplesPerChunk - 1 deltas). */
  readonly samplesPerChunk: number;
  /** Every n-th delta of a chunk is ACCUMULATED (0 = never). */
  readonly accumulatedDeltaInterval: number;
  /**
   * Ticks between samples (default 1). Chunks end on the tick grid (sample number tick / interval, a multiple
   * of samplesPerChunk minus one), not by counting, so a run resumed after a partial chunk falls back into
   * step with the uninterrupted run at the next boundary.
   */
  readonly samplingInterval?: number;
  /**
   * Leave the organism deltas out of the chunk's bytes and hand them over as records (EncodedChunk.deferred),
   * for assembleChunk to write on another thread: the engine worker's mode (chunk-assembly.ts).
   */
  readonly deferOrganismDeltas?: boolean;
  /**
   * A chunk ends early, right after an ACCUMULATED delta, when that delta lists at least this many cells and at
   * least half as many as the chunk's snapshot (default EARLY_SNAPSHOT_MIN_CELLS). See `sample`.
   */
  readonly earlySnapshotMinCells?: number;
  /**
   * A chunk ends, right after an ACCUMULATED delta, once its samples held this many organisms in all (default
   * MAX_CHUNK_ORGANISM_SAMPLES; 0: no limit). See `sample`.
   */
  readonly maxChunkOrganismSamples?: number;
}

/**
 * Organisms summed over a chunk's samples before it ends early (100 organisms in each of 1,000 samples). The
 * organism deltas are most of a large population's chunk, and every stage of the pipeline holds a few chunks
 * (the engine's buffers, messages between threads, storage's recently written batches, the readers'): with
 * chunks of a fixed sample count the node's memory grew with the population (RSS 340 MB at 45 organisms, 430 MB at
 * 118). Past this many, chunks get shorter instead, so memory stops growing with the population; smaller ones
 * keep their 1,000 samples (a chunk's snapshot is a fixed cost, spread over its samples).
 */
export const MAX_CHUNK_ORGANISM_SAMPLES = 100_000;

/**
 * Cells an ACCUMULATED delta must list before its chunk may end early (~0.8 MB of cell columns). A world
 * filled after its snapshot (energy seeded across a dense world in the first tick) would otherwise repeat every
 * filled cell in each of the chunk's ~20 ACCUMULATED deltas: 140 MB for the first 1,000-sample chunk of a quarter
 * filled 2048×1152 world, ~100 ms for the visualizer to read whenever a tick in it was asked for.
 */
export const EARLY_SNAPSHOT_MIN_CELLS = 1 << 16;

export interface SnapshotExtras {
  readonly rngState?: Uint8Array;
  readonly pluginStates?: Array<{ pluginName: string; state: Uint8Array }>;
  readonly runtimeCheckpoint?: Uint8Array;
}

/**
 * Writes a sample's organisms straight into the chunk (the engine's path, storage format 2): full states in
 * snapshots, OrganismDeltas against each organism's previous sample in deltas.
 */
export interface OrganismWriter {
  full(w: ProtoWriter, fieldTag: number): void;
  /** Against each organism's previous sample (INCREMENTAL samples), or against the snapshot (ACCUMULATED). */
  delta(journal: OrganismDeltaJournal, sinceSnapshot: boolean): void;
  /** Organisms the last `full` or `delta` wrote. */
  readonly count: number;
}

/**
 * The organisms of one sample: decoded-style objects (written as full states in every sample, as format 1
 * did), a function that writes full states straight into the writer, or an OrganismWriter (deltas).
 */
export type OrganismSource =
  readonly OrganismStateProps[] | ((w: ProtoWriter, fieldTag: number) => void) | OrganismWriter;

export interface EncodedChunk {
  readonly simulationRunId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly tickCount: number;
  /** The chunk's TickDataChunk bytes; with `deferred`, its TickDeltas still lack their organism deltas. */
  readonly bytes: Uint8Array;
  readonly deferred?: DeferredOrganismDeltas;
}

/** TickDataChunk field 6, `deltas` (length-delimited): one per delta sample. */
export const CHUNK_DELTA_TAG = 0x32;
/** TickDelta field 6, `organism_deltas` (length-delimited): the delta sample's last field. */
export const ORGANISM_DELTA_TAG = 0x32;

/** The organism deltas left out of a chunk's bytes (ChunkEncoderOptions.deferOrganismDeltas). */
export interface DeferredOrganismDeltas extends JournalContents {
  /** Per TickDelta, three ints: offset of its tag in the chunk's bytes, first and end index of its records. */
  readonly index: Int32Array;
}

/** A growable int32 list (no per-cell allocation). */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  clear(): void {
    this.length = 0;
  }
}

/** Cell columns in ascending flat-index order: a snapshot's cells. */
class CellColumns {
  idx = new Int32Array(1024);
  mol = new Int32Array(1024);
  own = new Int32Array(1024);
  n = 0;

  /** Room for `n` cells (contents are not kept). */
  reserve(n: number): void {
    if (this.idx.length >= n) return;
    const cap = Math.max(n, this.idx.length * 2);
    this.idx = new Int32Array(cap);
    this.mol = new Int32Array(cap);
    this.own = new Int32Array(cap);
  }
}

export class ChunkEncoder {
  /** 1 for every cell in `accumulated`. */
  private readonly accumulatedFlag: Uint8Array;
  /**
   * The previous snapshot's cells, which the next one is made from: those cells, with the ones changed since
   * (`accumulated`) taken from the world. Reading the world's arrays for every occupied cell missed the caches
   * for each one (~0.6 ms per snapshot of the mature default world, on the simulation thread); the columns are
   * read in order. Invalid after a reset: the next snapshot scans the world.
   */
  private snapshotCells = new CellColumns();
  private nextSnapshotCells = new CellColumns();
  private snapshotCellsValid = false;
  /** Cells changed since the snapshot (distinct, in the order first changed). */
  private readonly accumulated = new IntList();
  /**
   * The chunk being built, in place: `headroom` bytes are left free in front of the snapshot field, so the
   * chunk's scalar fields (known only at the end) are written right before it and no body is ever copied
   * into another message. Deltas are appended as they come.
   */
  private readonly w = new ProtoWriter(256 * 1024);
  private readonly hw = new ProtoWriter(256);
  private readonly headroom: number;
  /** Offset in `w` of the snapshot field (tag) of the current chunk. */
  private snapshotStart = 0;
  private deltaCount = 0;
  /** A delta's cell columns (reused: world arrays → columns without intermediate arrays). */
  private readonly deltaCells = new CellColumns();
  private firstTick = 0;
  private lastTick = 0;
  private samplesInChunk = 0;
  /** The organism deltas of the chunk's samples, as records (encoded at once unless deferred). */
  private readonly journal = new OrganismDeltaJournal(ORGANISM_DELTA_TAG);
  /** With deferred organism deltas: per TickDelta, its tag's offset in `w` and its records' range. */
  private readonly deferredIndex = new IntList(256);
  /** Journal buffers given back by the thread that assembled earlier chunks (reused, not allocated). */
  private readonly spareJournals: ArrayBuffer[] = [];
  /**
   * Chunk buffers given back by that thread (recycleChunkBuffer). A finished chunk is copied out of `w` into one of
   * them: a fresh buffer of a mature world's few MB costs a page fault per 4 KB on first touch, which made the
   * copy ~6 % of the simulation thread's time.
   */
  private readonly spareChunks: ArrayBuffer[] = [];
  /** Time spent encoding snapshot cells (ns) and their count, for the bench and metrics (deltas are not timed:
   * two clock reads per sample would cost more than their few cells). */
  cellEncodeNs = 0;
  cellsEncoded = 0;
  /** Time spent in protobuf encoding of finished chunks (ns). */
  protoEncodeNs = 0;
  /** Occupied cells in the current chunk's snapshot, and the cells of the last delta when it was ACCUMULATED (else 0). */
  private snapshotCellCount = 0;
  private lastAccumulatedCells = 0;
  private readonly earlySnapshotMinCells: number;
  private readonly maxChunkOrganismSamples: number;
  /** Organisms summed over the samples of the chunk being built (functions as sources count none). */
  private organismSamples = 0;

  constructor(
    private world: EncodableWorld,
    private readonly options: ChunkEncoderOptions,
  ) {
    if (options.samplesPerChunk < 1) throw new RangeError('samplesPerChunk must be at least 1');
    this.earlySnapshotMinCells = options.earlySnapshotMinCells ?? EARLY_SNAPSHOT_MIN_CELLS;
    this.maxChunkOrganismSamples = options.maxChunkOrganismSamples ?? MAX_CHUNK_ORGANISM_SAMPLES;
    this.accumulatedFlag = new Uint8Array(world.size);
    // Room for fields 1-4 (run id, three varints) and the snapshot's tag + length prefix.
    this.headroom = 64 + Buffer.byteLength(options.simulationRunId, 'utf8');
  }

  /** True when the next sample starts a new chunk (and so needs snapshot extras). */
  get nextIsSnapshot(): boolean {
    return this.samplesInChunk === 0;
  }

  /**
   * Reads another world from now on: the world of a simulation that continues this one (a fork with changed
   * options), holding the same cells. Changes made in it before this call are not recorded.
   */
  followWorld(world: EncodableWorld): void {
    if (world.size !== this.world.size)
      throw new Error(`followWorld: world of ${world.size} cells, expected ${this.world.size}`);
    this.world = world;
    this.resetChanges();
  }

  /** Discards pending changes, e.g. before the first sample or after a silent replay. */
  resetChanges(): void {
    this.world.drainChanged();
    this.clearAccumulated();
    this.snapshotCellsValid = false;
  }

  private clearAccumulated(): void {
    const acc = this.accumulated;
    const flag = this.accumulatedFlag;
    for (let i = 0; i < acc.length; i++) flag[acc.data[i]!] = 0;
    acc.clear();
    this.accumulatedSorted = 0;
  }

  /** `accumulated.data[0, accumulatedSorted)` is in ascending order (cells noted since are appended after it). */
  private accumulatedSorted = 0;
  private mergeScratch = new Int32Array(1024);

  /**
   * Puts the accumulated cells in ascending order, in place: the cells noted since the last time are sorted
   * alone and merged in. Each ACCUMULATED delta and the snapshot need them in order; sorting all of them anew
   * each time (thousands of cells late in a mature world's chunk, 20 times per chunk) cost more than the merge.
   */
  private sortAccumulated(): void {
    const acc = this.accumulated;
    const n = acc.length;
    const k = this.accumulatedSorted;
    if (k === n) return;
    const a = acc.data;
    sortInts(k === 0 ? a : a.subarray(k, n), n - k);
    if (k > 0) {
      if (this.mergeScratch.length < k) this.mergeScratch = new Int32Array(Math.max(k, this.mergeScratch.length * 2));
      const head = this.mergeScratch;
      head.set(a.subarray(0, k));
      // Merge head[0, k) with a[k, n) into a[0, n); writing never overtakes the unread tail (it is k ahead).
      let i = 0;
      let j = k;
      let o = 0;
      while (i < k && j < n) a[o++] = head[i]! < a[j]! ? head[i++]! : a[j++]!;
      while (i < k) a[o++] = head[i++]!;
    }
    this.accumulatedSorted = n;
  }

  private noteChanged(i: number): void {
    if (this.accumulatedFlag[i] === 0) {
      this.accumulatedFlag[i] = 1;
      this.accumulated.push(i);
    }
  }

  /** This sample's cells, from the previous snapshot's and the cells changed since (or a scan of the world). */
  private takeSnapshotCells(): CellColumns {
    // Changes not read by a delta yet belong to this snapshot too.
    this.world.drainChanged((i) => this.noteChanged(i));
    const { cells, owners, size } = this.world;
    const prev = this.snapshotCells;
    const next = this.nextSnapshotCells;
    const acc = this.accumulated;
    if (!this.snapshotCellsValid) {
      let count = 0;
      for (let i = 0; i < size; i++) if ((cells[i]! | owners[i]!) !== 0) count++;
      next.reserve(count + 1); // + 1: gatherOccupied writes one slot past the last occupied cell
      next.n = gatherOccupied(size, cells, owners, next.idx, next.mol, next.own);
    } else {
      this.sortAccumulated();
      const m = acc.length;
      const changed = acc.data;
      next.reserve(prev.n + m);
      const { idx: pi, mol: pm, own: po } = prev;
      const { idx: ni, mol: nm, own: no } = next;
      const pn = prev.n;
      let i = 0;
      let n = 0;
      for (let j = 0; j < m; j++) {
        const c = changed[j]!;
        for (; i < pn && pi[i]! < c; i++, n++) {
          ni[n] = pi[i]!;
          nm[n] = pm[i]!;
          no[n] = po[i]!;
        }
        if (i < pn && pi[i] === c) i++;
        const mol = cells[c]!;
        const own = owners[c]!;
        if ((mol | own) !== 0) {
          ni[n] = c;
          nm[n] = mol;
          no[n] = own;
          n++;
        }
      }
      if (i < pn) {
        ni.set(pi.subarray(i, pn), n);
        nm.set(pm.subarray(i, pn), n);
        no.set(po.subarray(i, pn), n);
        n += pn - i;
      }
      next.n = n;
    }
    this.clearAccumulated();
    this.snapshotCells = next;
    this.nextSnapshotCells = prev;
    this.snapshotCellsValid = true;
    return next;
  }

  /**
   * Records one sample. Returns the finished chunk when this sample completes it. `organisms` must be the
   * complete list for this tick; `extras` are used only for snapshots.
   */
  sample(
    tick: number,
    organisms: OrganismSource,
    totalOrganismsCreated: number,
    extras: SnapshotExtras = {},
  ): EncodedChunk | undefined {
    if (this.samplesInChunk === 0) this.startChunk(tick, organisms, totalOrganismsCreated, extras);
    else this.addDelta(tick, organisms, totalOrganismsCreated);
    this.samplesInChunk++;
    const per = this.options.samplesPerChunk;
    const sampleNumber = Math.floor(tick / (this.options.samplingInterval ?? 1));
    if (sampleNumber % per === per - 1 || this.samplesInChunk >= per) return this.finish();
    return this.grownPastLimits() ? this.finish() : undefined;
  }

  /**
   * Whether the chunk ends early: only right after an ACCUMULATED delta (a tick of the next chunk still rebuilds from
   * one snapshot, one ACCUMULATED delta and the incremental ones after it), when
   * - the cells changed since the snapshot are half a snapshot and many (snapshots by cost: a new snapshot is
   *   cheaper than repeating them in every ACCUMULATED delta left in the chunk), or
   * - its samples held maxChunkOrganismSamples organisms (chunks by size: memory stops growing with the population).
   * Both read only the run's own data, so a run and its resumption (which starts a chunk where a stored one ended)
   * end chunks alike; the chunks after an early end fall back onto the tick grid at its next boundary.
   */
  private grownPastLimits(): boolean {
    const every = this.options.accumulatedDeltaInterval;
    const k = this.deltaCount;
    if (every <= 0 || k === 0 || k % every !== 0) return false;
    const acc = this.lastAccumulatedCells;
    if (acc >= this.earlySnapshotMinCells && 2 * acc >= this.snapshotCellCount) return true;
    const max = this.maxChunkOrganismSamples;
    return max > 0 && this.organismSamples >= max;
  }

  /** Samples in the chunk being built (0 right after a chunk was finished). */
  get pendingSamples(): number {
    return this.samplesInChunk;
  }

  /**
   * Finishes the chunk being built early (on stop or at maxTicks), so every sampled tick is stored. It starts
   * with its snapshot like any chunk; it just holds fewer deltas. Undefined when no sample is pending.
   */
  finishPartial(): EncodedChunk | undefined {
    return this.samplesInChunk === 0 ? undefined : this.finish();
  }

  private writeOrganisms(organisms: OrganismSource, fieldTag: number): void {
    const w = this.w;
    if (isOrganismWriter(organisms)) {
      organisms.full(w, fieldTag);
      return;
    }
    if (typeof organisms === 'function') {
      organisms(w, fieldTag);
      return;
    }
    for (const o of organisms) {
      w.tag(fieldTag);
      w.fork();
      w.raw(OrganismState.encode(o).finish());
      w.ldelim();
    }
  }

  /**
   * CellDataColumns under `fieldTag` from the first `n` entries of the columns (always present, columns left
   * out when empty, as protobuf does). The length is known up front, so nothing is shifted afterwards.
   */
  private writeCells(fieldTag: number, n: number, idx: Int32Array, mol: Int32Array, own: Int32Array): void {
    const w = this.w;
    const colBytes = n * 4;
    const colField = n === 0 ? 0 : 1 + varintSize(colBytes) + colBytes;
    w.tag(fieldTag);
    w.uvarint(colField * 3);
    if (n === 0) return;
    w.ensure(colField * 3);
    if (n <= SMALL_COLUMN) {
      // A delta's few cells: stored value by value, without the three views per column a copy needs (the engine
      // allocated ~0.4 KB of views per sample, and every allocation pushes live data out of the caches).
      w.int32Field(0x0a, idx, n);
      w.int32Field(0x12, mol, n);
      w.int32Field(0x1a, own, n);
      return;
    }
    w.bytesField(0x0a, int32ToBytes(idx.subarray(0, n)));
    w.bytesField(0x12, int32ToBytes(mol.subarray(0, n)));
    w.bytesField(0x1a, int32ToBytes(own.subarray(0, n)));
  }

  private startChunk(tick: number, organisms: OrganismSource, total: number, extras: SnapshotExtras): void {
    const t0 = process.hrtime.bigint();
    const snapshot = this.takeSnapshotCells();
    const n = snapshot.n;
    this.snapshotCellCount = n;
    this.lastAccumulatedCells = 0;
    this.organismSamples = 0;
    this.cellEncodeNs += Number(process.hrtime.bigint() - t0);
    this.cellsEncoded += n;
    // TickData body, fields in number order (proto/tickdata.proto), written after the headroom; its tag and
    // length go right in front of it once its length is known.
    const w = this.w;
    w.reset();
    w.skip(this.headroom);
    const bodyStart = w.pos;
    w.stringField(0x0a, this.options.simulationRunId);
    w.intField(0x10, tick);
    this.writeOrganisms(organisms, 0x1a);
    this.organismSamples += countOf(organisms);
    this.writeCells(0x22, n, snapshot.idx, snapshot.mol, snapshot.own);
    w.bytesField(0x2a, extras.rngState ?? new Uint8Array(0));
    for (const p of extras.pluginStates ?? []) {
      w.tag(0x32);
      w.fork();
      w.stringField(0x0a, p.pluginName);
      w.bytesField(0x12, p.state);
      w.ldelim();
    }
    w.intField(0x38, total);
    w.bytesField(0x42, extras.runtimeCheckpoint ?? new Uint8Array(0));
    const len = w.pos - bodyStart;
    this.snapshotStart = bodyStart - 1 - varintSize(len);
    w.buf[this.snapshotStart] = 0x2a;
    w.uvarintAt(this.snapshotStart + 1, len);
    this.deltaCount = 0;
    this.firstTick = tick;
    this.lastTick = tick;
  }

  private addDelta(tick: number, organisms: OrganismSource, total: number): void {
    const acc = this.accumulated;
    const { cells: wc, owners: wo } = this.world;
    const changed = this.world.changedIndicesView();
    for (let k = 0; k < changed.length; k++) this.noteChanged(changed[k]!);
    const k = this.deltaCount + 1;
    const every = this.options.accumulatedDeltaInterval;
    const isAccumulated = every > 0 && k % every === 0;
    // Ascending flat index order makes the output independent of the order cells were written in.
    const n = isAccumulated ? acc.length : changed.length;
    this.lastAccumulatedCells = isAccumulated ? n : 0;
    const columns = this.deltaCells;
    columns.reserve(n);
    const idx = columns.idx;
    if (isAccumulated) {
      this.sortAccumulated();
      idx.set(acc.data.subarray(0, n));
    } else {
      idx.set(changed);
      sortInts(idx, n);
    }
    this.world.resetChanged();
    const mol = columns.mol;
    const own = columns.own;
    for (let i = 0; i < n; i++) {
      const c = idx[i]!;
      mol[i] = wc[c]!;
      own[i] = wo[c]!;
    }
    // TickDelta body, appended to the chunk as field 6.
    const w = this.w;
    const tagAt = w.pos;
    w.tag(CHUNK_DELTA_TAG);
    w.fork();
    w.intField(0x08, tick);
    w.intField(0x10, isAccumulated ? DeltaType.ACCUMULATED : DeltaType.INCREMENTAL);
    this.writeCells(0x1a, n, idx, mol, own);
    if (isOrganismWriter(organisms)) {
      w.intField(0x28, total);
      // Organism deltas are the TickDelta's last field, so a deferred chunk's assembler appends them to its body.
      const journal = this.journal;
      const from = journal.length;
      organisms.delta(journal, isAccumulated);
      if (this.options.deferOrganismDeltas) {
        const index = this.deferredIndex;
        index.push(tagAt);
        index.push(from);
        index.push(journal.length);
      } else {
        journal.encode(w, from, journal.length);
        journal.clear();
      }
    } else {
      this.writeOrganisms(organisms, 0x22);
      w.intField(0x28, total);
    }
    w.ldelim();
    this.organismSamples += countOf(organisms);
    this.deltaCount++;
    this.lastTick = tick;
  }

  private finish(): EncodedChunk {
    const t0 = process.hrtime.bigint();
    const tickCount = this.deltaCount + 1;
    // Fields 1-4 go into the headroom, right before the snapshot field.
    const h = this.hw;
    h.reset();
    h.stringField(0x0a, this.options.simulationRunId);
    h.intField(0x10, this.firstTick);
    h.intField(0x18, this.lastTick);
    h.intField(0x20, tickCount);
    const start = this.snapshotStart - h.pos;
    if (start < 0) throw new Error('chunk header exceeds the reserved headroom');
    const w = this.w;
    h.buf.copy(w.buf, start, 0, h.pos);
    // The chunk in memory of its own (transferable as a whole, not zero-filled: every byte is copied), at the start
    // of a reused buffer when one is large enough.
    const n = w.pos - start;
    // A new buffer has room to spare, so that it still fits the next chunks once it comes back (pages never
    // written are never touched).
    const bytes = new Uint8Array(this.takeSpareChunk(n) ?? Buffer.allocUnsafeSlow(n + (n >>> 2)).buffer, 0, n);
    w.buf.copy(bytes, 0, start, w.pos);
    this.protoEncodeNs += Number(process.hrtime.bigint() - t0);
    const result: EncodedChunk = {
      simulationRunId: this.options.simulationRunId,
      firstTick: this.firstTick,
      lastTick: this.lastTick,
      tickCount,
      bytes,
      ...(this.deferredIndex.length > 0 ? { deferred: this.takeDeferred(start) } : {}),
    };
    w.reset();
    this.deltaCount = 0;
    this.samplesInChunk = 0;
    return result;
  }

  /** The deferred organism deltas of the finished chunk (offsets relative to its first byte, `start` in `w`). */
  private takeDeferred(start: number): DeferredOrganismDeltas {
    const list = this.deferredIndex;
    const index = list.data.slice(0, list.length);
    for (let k = 0; k < index.length; k += 3) index[k]! -= start;
    list.clear();
    return { index, ...this.journal.detach(this.spareJournals.pop()) };
  }

  /** The smallest spare chunk buffer of at least `n` bytes (removed from the spares), if any. */
  private takeSpareChunk(n: number): ArrayBuffer | undefined {
    const spares = this.spareChunks;
    let best = -1;
    for (let i = 0; i < spares.length; i++)
      if (spares[i]!.byteLength >= n && (best < 0 || spares[i]!.byteLength < spares[best]!.byteLength)) best = i;
    return best < 0 ? undefined : spares.splice(best, 1)[0];
  }

  /**
   * Takes back the buffer of a chunk this encoder returned once its bytes are no longer used (the engine worker's
   * main thread assembled a copy). Chunks returned after this may start in it.
   */
  recycleChunkBuffer(buffer: ArrayBuffer): void {
    const spares = this.spareChunks;
    if (spares.length < MAX_SPARE_CHUNKS) spares.push(buffer);
    else {
      // Keep the largest: a world's chunks grow as it fills.
      let smallest = 0;
      for (let i = 1; i < spares.length; i++) if (spares[i]!.byteLength < spares[smallest]!.byteLength) smallest = i;
      if (spares[smallest]!.byteLength < buffer.byteLength) spares[smallest] = buffer;
    }
  }

  /** Takes back the int buffer of a chunk's deferred deltas once they are assembled (no allocation for the next). */
  recycleJournal(buffer: ArrayBuffer): void {
    if (this.spareJournals.length < 4) this.spareJournals.push(buffer);
  }
}

/** Chunk buffers kept for reuse: the chunks in flight between the threads come back one by one. */
const MAX_SPARE_CHUNKS = 4;

/** Columns of up to this many cells are written value by value; longer ones are copied. */
const SMALL_COLUMN = 64;

/** Sorts a[0, n) ascending: insertion sort for a delta's few cells (no view, no call into the runtime). */
function sortInts(a: Int32Array, n: number): void {
  if (n > SMALL_COLUMN) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/** Organisms the source wrote in the sample just written (a function writes states unseen: none counted). */
function countOf(o: OrganismSource): number {
  if (isOrganismWriter(o)) return o.count;
  return typeof o === 'function' ? 0 : o.length;
}

function isOrganismWriter(o: OrganismSource): o is OrganismWriter {
  return typeof o === 'object' && !Array.isArray(o) && typeof (o as OrganismWriter).delta === 'function';
}

/** Fills the columns with every occupied cell (molecule or owner non-zero) in ascending order; returns their
 * count. A small function of its own, so it is optimised on its own (the only O(world) loop, after a reset). */
function gatherOccupied(
  size: number,
  cells: Int32Array,
  owners: Int32Array,
  idx: Int32Array,
  mol: Int32Array,
  own: Int32Array,
): number {
  // Branch-free: every cell is written at the next free slot and kept by advancing past it only when occupied
  // ((x | -x) >>> 31 is 1 for any non-zero int32). A dense world's occupancy follows no pattern a branch
  // predictor learns: with a quarter of 2048×1152 occupied at random a branch per cell took twice as long.
  let n = 0;
  for (let i = 0; i < size; i++) {
    const m = cells[i]!;
    const o = owners[i]!;
    idx[n] = i;
    mol[n] = m;
    own[n] = o;
    const x = m | o;
    n += (x | -x) >>> 31;
  }
  return n;
}
