/**
 * Builds TickDataChunks from a running world: the first sample of a chunk is a full snapshot (every occupied
 * cell), later samples are deltas (INCREMENTAL: cells changed since the previous sample; every
 * `accumulatedDeltaInterval`-th one ACCUMULATED: cells changed since the snapshot). Stored bytes follow what
 * changes, not the world size: only the snapshot scans the world.
 *
 * The encoder reads the world's change list (`drainChanged`) once per sample, so it must see every sample.
 */
import { columnsOf, DeltaType, TickDataChunk, type OrganismStateProps, type TickDataChunkProps, type TickDeltaProps } from '../contracts/index.js';

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
}

export interface SnapshotExtras {
  readonly rngState?: Uint8Array;
  readonly pluginStates?: Array<{ pluginName: string; state: Uint8Array }>;
  readonly runtimeCheckpoint?: Uint8Array;
}

export interface EncodedChunk {
  readonly simulationRunId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly tickCount: number;
  readonly bytes: Uint8Array;
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

export class ChunkEncoder {
  private readonly accumulatedFlag: Uint8Array;
  /** 1 for every occupied cell (molecule or owner non-zero), kept current from the change list. */
  private readonly occupiedFlag: Uint8Array;
  /** Every occupied cell, plus stale entries (cells emptied since) and duplicates; compacted at snapshots. */
  private readonly occupied = new IntList(4096);
  private readonly accumulated = new IntList();
  private current: TickDataChunkProps | undefined;
  private deltas: TickDeltaProps[] = [];
  private samplesInChunk = 0;
  /** Time spent encoding cells (ns), for the bench and metrics. */
  cellEncodeNs = 0;
  cellsEncoded = 0;
  /** Time spent in protobuf encoding of finished chunks (ns). */
  protoEncodeNs = 0;

  constructor(
    private readonly world: EncodableWorld,
    private readonly options: ChunkEncoderOptions,
  ) {
    if (options.samplesPerChunk < 1) throw new RangeError('samplesPerChunk must be at least 1');
    this.accumulatedFlag = new Uint8Array(world.size);
    this.occupiedFlag = new Uint8Array(world.size);
    this.rescanOccupied();
  }

  /** Rebuilds the occupied set with one scan of the world (at start and after a silent replay). */
  private rescanOccupied(): void {
    const { cells, owners, size } = this.world;
    const flag = this.occupiedFlag;
    this.occupied.clear();
    for (let i = 0; i < size; i++) {
      if ((cells[i]! | owners[i]!) !== 0) {
        flag[i] = 1;
        this.occupied.push(i);
      } else flag[i] = 0;
    }
  }

  /** Updates the occupied set for one changed cell. */
  private touch(i: number): void {
    const occ = (this.world.cells[i]! | this.world.owners[i]!) !== 0;
    if (occ) {
      if (this.occupiedFlag[i] === 0) {
        this.occupiedFlag[i] = 1;
        this.occupied.push(i);
      }
    } else this.occupiedFlag[i] = 0;
  }

  /** True when the next sample starts a new chunk (and so needs snapshot extras). */
  get nextIsSnapshot(): boolean {
    return this.samplesInChunk === 0;
  }

  /** Discards pending changes, e.g. before the first sample or after a silent replay. */
  resetChanges(): void {
    this.world.drainChanged();
    this.rescanOccupied();
  }

  /**
   * Records one sample. Returns the finished chunk when this sample completes it. `organisms` must be the
   * complete list for this tick; `extras` are used only for snapshots.
   */
  sample(tick: number, organisms: OrganismStateProps[], totalOrganismsCreated: number, extras: SnapshotExtras = {}): EncodedChunk | undefined {
    if (this.samplesInChunk === 0) this.startChunk(tick, organisms, totalOrganismsCreated, extras);
    else this.addDelta(tick, organisms, totalOrganismsCreated);
    this.samplesInChunk++;
    if (this.samplesInChunk >= this.options.samplesPerChunk) return this.finish();
    return undefined;
  }

  /** Drops a partial chunk (partial chunks are never emitted; a resumed run regenerates them). */
  discardPartial(): number {
    const n = this.samplesInChunk;
    this.current = undefined;
    this.deltas = [];
    this.samplesInChunk = 0;
    return n;
  }

  private startChunk(tick: number, organisms: OrganismStateProps[], total: number, extras: SnapshotExtras): void {
    const t0 = process.hrtime.bigint();
    // Pending changes are covered by the snapshot; they only update the occupied set.
    this.world.drainChanged((i) => this.touch(i));
    const flag = this.accumulatedFlag;
    for (let i = 0; i < this.accumulated.length; i++) flag[this.accumulated.data[i]!] = 0;
    this.accumulated.clear();
    const { cells, owners, size } = this.world;
    const occ = this.occupied;
    const occFlag = this.occupiedFlag;
    let idx: Int32Array;
    let n: number;
    if (occ.length * 8 > size) {
      // Dense world: one linear pass over the flags is cheaper than sorting the list.
      n = 0;
      for (let i = 0; i < size; i++) n += occFlag[i]!;
      idx = new Int32Array(n);
      let k = 0;
      for (let i = 0; i < size; i++) if (occFlag[i] === 1) idx[k++] = i;
      occ.data = idx.slice();
      occ.length = n;
    } else {
      // Sparse world: compact the list (drop emptied cells), sort it, drop duplicates: O(occupied), not O(world).
      let w = 0;
      for (let r = 0; r < occ.length; r++) {
        const c = occ.data[r]!;
        if (occFlag[c] === 1) occ.data[w++] = c;
      }
      const sorted = occ.data.subarray(0, w).sort();
      n = 0;
      for (let r = 0; r < w; r++) if (r === 0 || sorted[r] !== sorted[r - 1]) sorted[n++] = sorted[r]!;
      occ.length = n;
      idx = sorted.slice(0, n);
    }
    const mol = new Int32Array(n);
    const own = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      mol[k] = cells[i]!;
      own[k] = owners[i]!;
    }
    this.cellEncodeNs += Number(process.hrtime.bigint() - t0);
    this.cellsEncoded += n;
    this.current = {
      simulationRunId: this.options.simulationRunId,
      firstTick: tick,
      lastTick: tick,
      tickCount: 1,
      snapshot: {
        simulationRunId: this.options.simulationRunId,
        tickNumber: tick,
        organisms,
        cells: columnsOf({ flatIndices: idx, molecules: mol, owners: own }),
        rngState: extras.rngState ?? new Uint8Array(0),
        pluginStates: extras.pluginStates ?? [],
        totalOrganismsCreated: total,
        runtimeCheckpoint: extras.runtimeCheckpoint ?? new Uint8Array(0),
      },
    };
    this.deltas = [];
  }

  private addDelta(tick: number, organisms: OrganismStateProps[], total: number): void {
    const t0 = process.hrtime.bigint();
    const acc = this.accumulated;
    const flag = this.accumulatedFlag;
    const occFlag = this.occupiedFlag;
    const { cells: wc, owners: wo } = this.world;
    const changed = this.world.changedIndicesView();
    for (let k = 0; k < changed.length; k++) {
      const i = changed[k]!;
      if ((wc[i]! | wo[i]!) !== 0) {
        if (occFlag[i] === 0) {
          occFlag[i] = 1;
          this.occupied.push(i);
        }
      } else occFlag[i] = 0;
      if (flag[i] === 0) {
        flag[i] = 1;
        acc.push(i);
      }
    }
    const k = this.deltas.length + 1;
    const every = this.options.accumulatedDeltaInterval;
    const isAccumulated = every > 0 && k % every === 0;
    // Ascending flat index order makes the output independent of the order cells were written in.
    const idx = (isAccumulated ? acc.data.slice(0, acc.length) : changed.slice()).sort();
    this.world.resetChanged();
    const n = idx.length;
    const mol = new Int32Array(n);
    const own = new Int32Array(n);
    const { cells, owners } = this.world;
    for (let i = 0; i < n; i++) {
      const c = idx[i]!;
      mol[i] = cells[c]!;
      own[i] = owners[c]!;
    }
    this.cellEncodeNs += Number(process.hrtime.bigint() - t0);
    this.cellsEncoded += n;
    this.deltas.push({
      tickNumber: tick,
      deltaType: isAccumulated ? DeltaType.ACCUMULATED : DeltaType.INCREMENTAL,
      changedCells: columnsOf({ flatIndices: idx, molecules: mol, owners: own }),
      organisms,
      totalOrganismsCreated: total,
    });
    this.current!.lastTick = tick;
    this.current!.tickCount = this.deltas.length + 1;
  }

  private finish(): EncodedChunk {
    const chunk = this.current!;
    chunk.deltas = this.deltas;
    const t0 = process.hrtime.bigint();
    const bytes = TickDataChunk.encode(chunk).finish();
    this.protoEncodeNs += Number(process.hrtime.bigint() - t0);
    const out: EncodedChunk = {
      simulationRunId: chunk.simulationRunId!,
      firstTick: Number(chunk.firstTick),
      lastTick: Number(chunk.lastTick),
      tickCount: chunk.tickCount!,
      bytes,
    };
    this.current = undefined;
    this.deltas = [];
    this.samplesInChunk = 0;
    return out;
  }
}
