/** Messages between the SimulationEngine service (main thread) and its worker. */
import type { PlaceableProgram, RuntimeOptions, RuntimeOptionsInput } from '../../runtime/index.js';
import type { DeferredOrganismDeltas } from './chunk-encoder.js';

export interface OrganismPlacement {
  readonly program: PlaceableProgram;
  readonly energy: number;
  readonly positions: readonly (readonly number[])[];
}

export interface ResumePoint {
  /** The runtime checkpoint JSON of the last stored snapshot (cells and owners stripped). */
  readonly checkpointJson: string;
  /** The snapshot's cells (flat index, molecule, owner columns). */
  readonly flatIndices: Int32Array;
  readonly molecules: Int32Array;
  readonly owners: Int32Array;
  /** Replay silently until this tick (the last stored chunk's last tick); emit from the next sample on. */
  readonly replayUntilTick: number;
  /**
   * Set for a fork: a new run starts at `replayUntilTick` (its first sample, a snapshot, is that tick), with
   * these runtime options from there on when given (`reseed`: the random streams start from their seed).
   */
  readonly fork?: { readonly options?: RuntimeOptions; readonly reseed: boolean };
}

export interface EngineWorkerData {
  readonly simulationRunId: string;
  readonly runtime: RuntimeOptionsInput;
  readonly organisms: readonly OrganismPlacement[];
  readonly samplingInterval: number;
  readonly accumulatedDeltaInterval: number;
  readonly samplesPerChunk: number;
  readonly pauseTicks: readonly number[];
  /** Stop after this tick (0 = run until stopped). */
  readonly maxTicks: number;
  /** Chunks the worker may have sent before the queue accepted them (backpressure window). */
  readonly maxChunksInFlight: number;
  /** Threads that plan each tick (runtime/threads); the run and its stored bytes are the same for any count. */
  readonly threads: number;
  /** Absent: the runtime's default. */
  readonly minOrganismsPerThread?: number;
  readonly resume?: ResumePoint;
  /** Start paused (the service was paused before the worker came up). */
  readonly startPaused?: boolean;
}

export interface WorkerStats {
  readonly tick: number;
  readonly ticksPerSec: number;
  readonly sampledTicks: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly organismsAlive: number;
  readonly totalOrganismsCreated: number;
  /** Most organisms alive after any tick of the run, and the first tick with none (-1: never); resume keeps them. */
  readonly peakOrganismsAlive: number;
  readonly extinctionTick: number;
  readonly births: number;
  readonly deaths: number;
  /** Distinct genomes among the living, and the Shannon index (nats) of their shares. */
  readonly genomesAlive: number;
  readonly genomeShannon: number;
  readonly queueWaitMs: number;
  readonly encodeNs: number;
  readonly cellsEncoded: number;
  /** The worker's own V8 heap (not in the main thread's process.memoryUsage().heapUsed). */
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
}

export type FromWorker =
  | { type: 'ready'; tick: number }
  | {
      type: 'chunk';
      simulationRunId: string;
      firstTick: number;
      lastTick: number;
      tickCount: number;
      /** Holds the chunk's bytes from its start; it may be longer (a reused buffer): `byteLength` says how many. */
      buffer: ArrayBuffer;
      byteLength: number;
      /** The organism deltas left out of `buffer`, for the main thread to write in (chunk-assembly.ts). */
      deferred?: DeferredOrganismDeltas;
    }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'autopaused'; tick: number }
  /** `partialSamples`: samples of the last, shorter chunk emitted on the way out (0 when none was pending). */
  | { type: 'finished'; tick: number; partialSamples: number; stats: WorkerStats }
  | { type: 'stopped'; tick: number; partialSamples: number; stats: WorkerStats }
  /** `code`: the error's stable code when it has one (a user plugin's failure, a restore that does not fit). */
  | { type: 'error'; message: string; code?: string; stack?: string };

export type ToWorker =
  | { type: 'ack' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** A chunk's deferred organism-delta records were written: their buffer, for the worker to reuse. */
  | { type: 'recycle'; buffer: ArrayBuffer }
  /** A chunk's bytes were copied into the assembled chunk: its buffer, for the worker's next chunk. */
  | { type: 'recycle-chunk'; buffer: ArrayBuffer };
