/**
 * SimulationEngine: compiles and places the configured organisms, runs the runtime in a worker thread, and
 * puts the chunks the worker encodes on its `tickData` queue (bytes transferred across the thread boundary,
 * never cloned). It emits the run's SimulationMetadata once on `metadataOutput`, pauses the simulation when
 * the service is paused or a configured tick is reached, and can resume a stored run (`resume.runId`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  compileFile,
  compileSource,
  formatDiagnostic,
  type CompileResult,
  type ProgramArtifact,
} from '../../compiler/index.js';
import {
  defaultOrganismPath,
  programFromArtifact,
  resolveRuntimeOptions,
  type RuntimeOptions,
  type RuntimeOptionsInput,
} from '../../runtime/index.js';
import { EvochoraError } from '../../errors.js';
import { columnsToArrays } from '../contracts/columns.js';
import {
  SimulationMetadata,
  type ChunkMessage,
  type MetadataMessage,
  type SimulationMetadataProps,
} from '../contracts/index.js';
import { ticksOf } from '../contracts/tick-reconstruction.js';
import { runProvenance } from '../engine/run-provenance.js';
import { loadUserPlugins, withAbsoluteModules } from '../engine/user-plugins.js';
import type { Metrics } from '../api/monitorable.js';
import type { QueueProducer } from '../api/queue.js';
import { AbstractService, type ServiceContext } from '../api/service.js';
import type { PreflightIssue } from '../api/component-type.js';
import type { BatchStorageReader } from '../api/batch-storage.js';
import { BUILTIN_PROGRAMS } from '../engine/default-organism.js';
import type {
  EngineWorkerData,
  FromWorker,
  OrganismPlacement,
  ResumePoint,
  ToWorker,
  WorkerStats,
} from '../engine/engine-protocol.js';
import { newRunId } from '../contracts/run-id.js';
import { environmentOf } from '../engine/configured-world.js';
import { spawnModuleWorker } from '../../spawn-module-worker.js';
import { assembleChunk } from '../engine/chunk-assembly.js';
import { BufferPool } from '../api/buffer-pool.js';
import type { ChunkLease } from '../api/chunk-lease.js';
import { PipelineErrorCode } from '../error-codes.js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR, SPAN } from '../tracing/span-names.js';
import { contextOf, injectTraceContext } from '../tracing/trace-context.js';
import { DEFAULT_REUSE_CHUNK_MEMORY_FROM_BYTES, type SimulationEngineOptions } from './simulation-engine-options.js';

export interface OrganismConfig {
  program: string;
  energy: number;
  positions: number[][];
}

/** Absolute paths as given; relative ones against the working directory, else against the installed package (assembly/). */
export function resolveProgramPath(program: string): string {
  if (isAbsolute(program)) return program;
  const local = resolve(program);
  if (existsSync(local)) return local;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, 'package.json'))) {
      const candidate = resolve(dir, program);
      return existsSync(candidate) ? candidate : local;
    }
    dir = dirname(dir);
  }
  return local;
}

export class EngineConfigError extends EvochoraError {
  constructor(service: string, problem: string, actions: string[] = []) {
    super(PipelineErrorCode.ENGINE_CONFIG, `Service '${service}': ${problem}`, { actions });
  }
}

/** Compiles and places the configured organisms; an EngineConfigError names the first that cannot be. */
function compileConfiguredOrganisms(
  service: string,
  o: { readonly organisms: unknown; readonly sourceRoots: readonly string[] },
  shape: number[],
  toroidal: boolean,
): { placements: OrganismPlacement[]; artifacts: ProgramArtifact[] } {
  // `organisms` is free-form in the spec (a list of objects); each entry is checked here.
  const organisms = o.organisms as OrganismConfig[];
  if (!Array.isArray(organisms) || organisms.length === 0)
    throw new EngineConfigError(service, 'no organisms are configured.', [
      `Add \`pipeline.services.${service}.options.organisms = [{ program = "builtin:counter", energy = 10000, positions = [[10, 10]] }]\`.`,
    ]);
  const roots = o.sourceRoots.map((r) => resolve(r));
  const placements: OrganismPlacement[] = [];
  const artifacts: ProgramArtifact[] = [];
  const cache = new Map<string, ProgramArtifact>();
  organisms.forEach((org, i) => {
    if (typeof org?.program !== 'string' || !Array.isArray(org.positions) || typeof org.energy !== 'number')
      throw new EngineConfigError(
        service,
        `organisms[${i}] needs program (path or builtin:name), energy and positions.`,
      );
    for (const p of org.positions)
      if (!Array.isArray(p) || p.length !== shape.length)
        throw new EngineConfigError(
          service,
          `organisms[${i}] position ${JSON.stringify(p)} does not match the world shape [${shape.join(',')}].`,
        );
    let artifact = cache.get(org.program);
    if (!artifact) {
      const world = { shape, toroidal };
      let result: CompileResult;
      if (org.program in BUILTIN_PROGRAMS)
        result = compileSource(BUILTIN_PROGRAMS[org.program]!, { world }, `${org.program.slice(8)}.evo`);
      else {
        // builtin:replicator is our shipped self-replicator, found next to the installed package.
        const file = org.program === 'builtin:replicator' ? defaultOrganismPath() : resolveProgramPath(org.program);
        try {
          readFileSync(file);
        } catch {
          throw new EngineConfigError(service, `organisms[${i}].program '${org.program}' cannot be read (${file}).`, [
            'Give a path relative to the working directory, an absolute path, builtin:replicator or builtin:counter.',
          ]);
        }
        result = compileFile(file, { world, sourceRoots: roots.length > 0 ? roots : [dirname(file)] });
      }
      if (!result.artifact) {
        const diag = result.diagnostics
          .slice(0, 5)
          .map((d) => formatDiagnostic(d))
          .join('\n');
        throw new EngineConfigError(service, `program '${org.program}' does not compile:\n${diag}`, [
          `Run \`evochora compile ${org.program}\` to see every diagnostic.`,
        ]);
      }
      artifact = result.artifact;
      cache.set(org.program, artifact);
      artifacts.push(artifact);
    }
    placements.push({ program: programFromArtifact(artifact), energy: org.energy, positions: org.positions });
  });
  return { placements, artifacts };
}

/**
 * The largest world the engine accepts: the runtime and the encoder keep ~12 bytes per cell (molecule, owner,
 * change and occupancy flags), so this is ~800 MB before a single organism runs.
 */
export const MAX_WORLD_CELLS = 2 ** 26;

/** The world's problems (shape and size), or none. */
function worldIssues(shape: readonly number[]): PreflightIssue[] {
  if (shape.length === 0)
    return [{ path: 'environment.shape', value: shape, expected: 'at least one dimension, e.g. [512, 512]' }];
  if (shape.some((d) => !Number.isInteger(d) || d < 1))
    return [{ path: 'environment.shape', value: shape, expected: 'cells per dimension, each ≥ 1 (e.g. [512, 512])' }];
  const cells = shape.reduce((a, b) => a * b, 1);
  if (cells > MAX_WORLD_CELLS)
    return [
      {
        path: 'environment.shape',
        value: shape,
        expected: `a world of at most ${MAX_WORLD_CELLS.toLocaleString('en-US')} cells (e.g. [8192, 8192]); [${shape.join(', ')}] has ${cells.toLocaleString('en-US')}`,
      },
    ];
  return [];
}

/** Before anything starts: the world fits, and (for a new run) every configured program is readable and compiles. */
export function preflightEngine(o: SimulationEngineOptions, service: string): PreflightIssue[] {
  const env = o.environment;
  const issues = worldIssues(env.shape);
  if (issues.length > 0) return issues;
  if (o.resume.runId !== '' || o.fork.runId !== '') return []; // the stored run says what to place
  try {
    compileConfiguredOrganisms(service, o, env.shape, env.topology.toUpperCase() !== 'BOUND');
  } catch (err) {
    if (!(err instanceof EngineConfigError)) throw err;
    return [
      {
        path: 'organisms',
        value: (o.organisms as unknown[] | undefined)?.map((x) => (x as OrganismConfig)?.program),
        expected: `organisms that can be placed: ${err.message.replace(`Service '${service}': `, '')}${err.actions.length > 0 ? ` (${err.actions.join(' ')})` : ''}`,
      },
    ];
  }
  return [];
}

/**
 * The engine worker's V8 young generation. The simulation allocates short-lived objects fast; V8's default
 * lets the worker's heap grow to ~115 MB. At 12 MB the default node's RSS was ~30 MB lower on average over
 * 4 minutes (467 → 438 MB, max 525 → 492) at the same speed (docs/pipeline.md, stop 12).
 */
const ENGINE_WORKER_YOUNG_GENERATION_MB = 12;

/** A pending put waits this long before the log says the simulation is held up by its queue. */
const BLOCKED_WARNING_MS = 30_000;

/** Chunks simulated before a stop that the queue did not take in time; a resumed run simulates them again. */
export class DeliveryAbandonedError extends EvochoraError {
  constructor(graceMs: number) {
    super(
      PipelineErrorCode.DELIVERY_ABANDONED,
      `the queue had no room within ${graceMs} ms of the stop request; these ticks are not stored (resume the run to simulate them again)`,
    );
  }
}

export class ChunkNotDeliveredError extends EvochoraError {
  constructor(firstTick: number, lastTick: number, cause: unknown) {
    super(
      PipelineErrorCode.CHUNK_NOT_DELIVERED,
      `could not put chunk ${firstTick}..${lastTick} on the tick queue: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Idle chunk memory kept for reuse: what a batch of five mature default-world chunks (4-7 MB each) gives back. */
const CHUNK_BUFFERS_KEPT_BYTES = 32 * 1024 * 1024;

/** A chunk from the worker could not be completed with its deferred organism deltas (chunk-assembly.ts). */
export class ChunkAssemblyError extends EvochoraError {
  constructor(firstTick: number, lastTick: number, cause: unknown) {
    super(
      PipelineErrorCode.CHUNK_ASSEMBLY_FAILED,
      `could not complete chunk ${firstTick}..${lastTick} with its organism deltas: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * `changes` merged over `base`: objects merge key by key, anything else (lists included) replaces. A text that
 * replaces a number or a boolean is read as one (`--set runtime.organism.maxEnergy=20000` arrives as text).
 */
function mergeOptions(base: unknown, changes: unknown): unknown {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (typeof changes === 'string') {
    if (typeof base === 'number' && changes.trim() !== '' && Number.isFinite(Number(changes))) return Number(changes);
    if (typeof base === 'boolean' && (changes === 'true' || changes === 'false')) return changes === 'true';
  }
  if (!isObject(base) || !isObject(changes)) return changes === undefined ? base : changes;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(changes)) out[k] = mergeOptions(base[k], v);
  return out;
}

export type { SimulationEngineOptions };

export class SimulationEngine extends AbstractService<SimulationEngineOptions> {
  private readonly tickData: QueueProducer<ChunkMessage>;
  private readonly metadataOutput: QueueProducer<MetadataMessage> | undefined;
  private readonly resumeStorage: BatchStorageReader | undefined;
  private worker: Worker | undefined;
  private runId = '';
  private stats: WorkerStats | undefined;
  private chunksSent = 0;
  private ticksSent = 0;
  private bytesSent = 0;
  private queuePutMs = 0;
  /** Main-thread time spent writing the worker's deferred organism deltas into its chunks (chunk-assembly.ts). */
  private assemblyMs = 0;
  /**
   * Memory of assembled chunks, reused once every holder let go (ChunkMessage.lease): a mature world's chunk is
   * ~4 MB, and assembling each into fresh memory cost the main thread a page fault per 4 KB and V8 a full
   * collection every few chunks (fresh ArrayBuffers count against its heap limit). Bounded: what a batch gives
   * back at once.
   */
  private readonly chunkBuffers: BufferPool;
  /** Aborts a pending put; only fired a while after a stop request (see onAbort in runWorker). */
  private delivery = new AbortController();
  private deliveryGiveUp: NodeJS.Timeout | undefined;
  private stopTimeoutMs = 10_000;
  /** performance.now() when the pending put began, while one is pending. */
  private blockedSince: number | undefined;
  private lastBlockedWarning = 0;
  private autoPausedAt = -1;
  private partialSamples = 0;
  private readonly emitted: number[] = [];
  private readyAt: { ms: number; tick: number } | undefined;
  private endAt: { ms: number; tick: number } | undefined;
  /** When set, every emitted chunk's first tick is kept (tests compare them with what was stored). */
  recordEmittedTicks = false;

  constructor(context: ServiceContext<SimulationEngineOptions>) {
    super(context);
    this.tickData = this.port<QueueProducer<ChunkMessage>>('tickData');
    this.metadataOutput = context.ports.metadataOutput as QueueProducer<MetadataMessage> | undefined;
    this.resumeStorage = context.ports.resumeStorage as BatchStorageReader | undefined;
    this.chunkBuffers = new BufferPool(
      CHUNK_BUFFERS_KEPT_BYTES,
      context.options.reuseChunkMemoryFromBytes ?? DEFAULT_REUSE_CHUNK_MEMORY_FROM_BYTES,
      64 * 1024,
      process.env.EVOCHORA_POISON_REUSED_MEMORY ? 0xee : undefined,
    );
  }

  /** Ticks simulated and milliseconds between the worker being ready and its end (benchmarks). */
  get simulatedSpan(): { ticks: number; ms: number } | undefined {
    if (!this.readyAt || !this.endAt) return undefined;
    return { ticks: this.endAt.tick - this.readyAt.tick, ms: this.endAt.ms - this.readyAt.ms };
  }

  get simulationRunId(): string {
    return this.runId;
  }

  /** First ticks of every chunk put on the queue (only with `recordEmittedTicks`). */
  get emittedChunkTicks(): readonly number[] {
    return this.emitted;
  }

  protected override onPause(): void {
    this.send({ type: 'pause' });
  }

  protected override onResume(): void {
    this.autoPausedAt = -1;
    this.send({ type: 'resume' });
  }

  override stop(timeoutMs = 30_000): Promise<void> {
    this.stopTimeoutMs = timeoutMs;
    return super.stop(timeoutMs);
  }

  /** How long the pending put has been waiting for room on the queue (0 when none is). */
  private blockedMs(): number {
    return this.blockedSince === undefined ? 0 : performance.now() - this.blockedSince;
  }

  private warnIfBlocked(): void {
    const ms = this.blockedMs();
    if (ms < BLOCKED_WARNING_MS || performance.now() - this.lastBlockedWarning < BLOCKED_WARNING_MS) return;
    this.lastBlockedWarning = performance.now();
    this.logger.warn(
      { service: this.name, blockedMs: Math.round(ms) },
      `The simulation has waited ${Math.round(ms / 1000)} s for room on its tick queue; it goes on once the queue's consumers (persistence) or its broker are back.`,
    );
  }

  /**
   * Threads that plan each tick: `runtime.threads` when the runtime block has it (where the issue tracker and a
   * reader of the runtime options look first), else `threads` beside it. Never part of the run's runtime options.
   */
  private planThreading(): { threads: number; minOrganismsPerThread?: number } {
    const o = this.context.options;
    const inRuntime = (o.runtime as { threads?: unknown } | undefined)?.threads;
    if (
      inRuntime !== undefined &&
      (!Number.isInteger(inRuntime) || (inRuntime as number) < 1 || (inRuntime as number) > 256)
    )
      throw new EngineConfigError(
        this.name,
        `runtime.threads must be a whole number from 1 to 256, got ${JSON.stringify(inRuntime)}.`,
        [`Set \`pipeline.services.${this.name}.options.threads = 2\` (or runtime.threads), or leave it out for 1.`],
      );
    this.planThreads = (inRuntime as number | undefined) ?? o.threads;
    return {
      threads: this.planThreads,
      ...(o.minOrganismsPerThread > 0 ? { minOrganismsPerThread: o.minOrganismsPerThread } : {}),
    };
  }

  /** Threads the current run plans on (metric `plan_threads`; 0 before a run starts). */
  private planThreads = 0;

  private send(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker?.postMessage(m, transfer);
  }

  protected async run(): Promise<void> {
    const o = this.context.options;
    const resumeRunId = o.resume.runId;
    const samplingInterval = o.samplingInterval;
    const acc = o.accumulatedDeltaInterval;
    const samplesPerChunk = acc * o.snapshotInterval;
    let data: EngineWorkerData;
    if (resumeRunId) {
      data = await this.prepareResume(resumeRunId);
    } else if (o.fork.runId) {
      const fork = await this.prepareFork(newRunId(), o.fork);
      this.runId = fork.data.simulationRunId;
      data = fork.data;
      await this.putMetadata(fork.metadata);
    } else {
      const env = o.environment;
      const toroidal = env.topology.toUpperCase() !== 'BOUND';
      const runtimeInput: RuntimeOptionsInput = {
        ...(o.runtime as RuntimeOptionsInput),
        shape: env.shape,
        toroidal,
        seed: BigInt(o.seed),
      };
      const given = resolveRuntimeOptions(runtimeInput);
      // User plugins: stored with absolute paths (a resume from elsewhere finds them), checked before the run starts.
      const resolved = { ...given, plugins: withAbsoluteModules(given.plugins) };
      await loadUserPlugins(resolved.plugins);
      const { placements, artifacts } = this.compileOrganisms(env.shape, toroidal);
      this.runId = newRunId();
      data = {
        simulationRunId: this.runId,
        runtime: resolved,
        organisms: placements,
        samplingInterval,
        accumulatedDeltaInterval: acc,
        samplesPerChunk,
        pauseTicks: o.pauseTicks,
        maxTicks: o.maxTicks,
        maxChunksInFlight: o.maxChunksInFlight,
        ...this.planThreading(),
      };
      const { seed, ...runtimeRest } = resolved;
      await this.putMetadata({
        simulationRunId: this.runId,
        startTimeMs: Date.now(),
        initialSeed: Number(seed),
        programs: artifacts.map((a) => ({
          programId: a.programId,
          sources: Object.fromEntries(Object.entries(a.sources).map(([k, v]) => [k, v.join('\n')])),
          artifactJson: Buffer.from(JSON.stringify(a)),
        })),
        resolvedConfigJson: Buffer.from(JSON.stringify({ ...o, runtime: { ...runtimeRest, seed: seed.toString() } })),
        worldShape: env.shape,
        toroidal,
        samplingInterval,
        accumulatedDeltaInterval: acc,
        snapshotInterval: o.snapshotInterval,
      });
    }
    const how = resumeRunId
      ? 'resumed'
      : o.fork.runId
        ? `forked from ${o.fork.runId} at tick ${o.fork.tick}`
        : 'started';
    this.logger.info(
      {
        service: this.name,
        runId: this.runId,
        resume: resumeRunId !== '',
        ...(o.fork.runId ? { forkedFrom: o.fork.runId, forkedAtTick: o.fork.tick } : {}),
      },
      `Simulation run ${this.runId} ${how}`,
    );
    if (this.state === 'PAUSED') data = { ...data, startPaused: true };
    await this.runWorker(data);
  }

  /** Puts the run's metadata (with its provenance) on the metadata queue, when one is bound. */
  private async putMetadata(props: SimulationMetadataProps): Promise<void> {
    if (!this.metadataOutput) return;
    const config = props.resolvedConfigJson ?? new Uint8Array(0);
    const metadata = SimulationMetadata.encode({
      ...props,
      writerVersion: 'evochora-ts',
      provenance: runProvenance(config, this.context.options.experiment),
    }).finish();
    // The first span of the metadata's trace: persistence and the metadata indexer continue it.
    const span = this.tracer.startSpan(
      SPAN.metadataQueued,
      {
        kind: SpanKind.PRODUCER,
        attributes: { [ATTR.service]: this.name, [ATTR.runId]: this.runId, [ATTR.bytes]: metadata.length },
      },
      ROOT_CONTEXT,
    );
    const traceContext = injectTraceContext(span);
    try {
      await this.metadataOutput.put(
        { simulationRunId: this.runId, data: metadata, ...(traceContext ? { traceContext } : {}) },
        metadata.length,
        this.signal,
      );
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * A new run (`runId`) that starts from tick `fork.tick` of a stored run: the snapshot of the chunk holding that
   * tick is restored and replayed to it (the runtime is deterministic, so this is the stored state), then the
   * changed options apply. Its metadata names the parent run and tick; programs and sampling are the parent's.
   */
  private async prepareFork(
    runId: string,
    fork: SimulationEngineOptions['fork'],
  ): Promise<{ data: EngineWorkerData; metadata: SimulationMetadataProps }> {
    const parent = fork.runId;
    const tick = fork.tick;
    const failed = (problem: string, actions: string[] = []): EvochoraError =>
      new EvochoraError(PipelineErrorCode.FORK_FAILED, `Cannot fork run ${parent} at tick ${tick}: ${problem}`, {
        actions,
      });
    const storage = this.resumeStorage;
    if (!storage)
      throw new EngineConfigError(this.name, `fork.runId is set but no storage is bound to port 'resumeStorage'.`, [
        `Add \`resumeStorage = "storage-read:<storage>"\` to pipeline.services.${this.name}.resources.`,
      ]);
    if (!(await storage.listRunIds()).includes(parent))
      throw failed('no such run in storage.', ['List the stored runs with `evochora inspect storage`.']);
    const meta = await storage.readMetadata(parent);
    const original = JSON.parse(Buffer.from(meta.resolvedConfigJson).toString('utf8')) as Record<string, unknown>;
    // The chunk holding the tick, and the one holding the sample before it: the fork replays from that one's
    // snapshot to the tick, so the tick is rebuilt with what a snapshot leaves out (this tick's dead organisms,
    // each organism's last instruction and energy change).
    const interval = meta.samplingInterval || 1;
    type Found = { chunk: ReturnType<BatchStorageReader['decodeChunk']>; key: string };
    let found: Found | undefined;
    let before: Found | undefined;
    for await (const c of storage.readChunks(parent, Math.max(0, tick - interval), tick)) {
      const holds = (t: number): boolean => c.firstTick <= t && t <= c.lastTick;
      if (holds(tick)) found = { chunk: storage.decodeChunk(c), key: c.key };
      else if (tick > 0 && holds(tick - interval)) before = { chunk: storage.decodeChunk(c), key: c.key };
    }
    if (!found) {
      const batches = await storage.listBatches(parent);
      const last = batches.at(-1)?.lastTick ?? -1;
      throw failed(
        last < 0 ? 'the run has no stored ticks yet.' : `the run's stored ticks are 0..${last}.`,
        last < 0 ? [] : [`Pick a tick in 0..${last}.`],
      );
    }
    if (!ticksOf(found.chunk).includes(tick))
      throw failed(`tick ${tick} was not sampled (every ${interval} ticks).`, [
        `Pick a sampled tick, e.g. ${tick - (tick % interval)}.`,
      ]);
    const from = Number(found.chunk.snapshot?.tickNumber ?? -1) === tick && before ? before : found;
    const { chunk, key } = from;
    const snap = chunk.snapshot;
    const checkpoint = snap?.runtimeCheckpoint;
    if (!snap || !checkpoint || checkpoint.length === 0)
      throw failed(`the chunk holding it (${key}) has no runtime checkpoint (written by an older version).`, [
        'Runs recorded from now on store one in every chunk.',
      ]);
    // The parent's runtime options with the fork's changes merged over them (objects merge, lists are replaced).
    const parentRuntime = original.runtime as Record<string, unknown>;
    const changes = (fork.runtime ?? {}) as Record<string, unknown>;
    if (typeof changes !== 'object' || Array.isArray(changes))
      throw failed('fork.runtime must be an object of runtime options.');
    if (fork.seed !== '' && !/^-?\d+$/.test(fork.seed)) throw failed(`fork.seed "${fork.seed}" is not an integer.`);
    const reseed = fork.seed !== '';
    let options: RuntimeOptions;
    try {
      const merged = resolveRuntimeOptions({
        ...(mergeOptions(parentRuntime, changes) as RuntimeOptionsInput),
        seed: BigInt(reseed ? fork.seed : (parentRuntime.seed as string)),
      });
      options = { ...merged, plugins: withAbsoluteModules(merged.plugins) };
    } catch (err) {
      throw failed(`the changed runtime options are invalid: ${(err as Error).message}`);
    }
    await loadUserPlugins(options.plugins);
    const changed = reseed || Object.keys(changes).length > 0;
    const cols = columnsToArrays(snap.cells);
    const o = this.context.options;
    const data: EngineWorkerData = {
      simulationRunId: runId,
      runtime: options,
      organisms: [],
      samplingInterval: meta.samplingInterval || 1,
      accumulatedDeltaInterval: meta.accumulatedDeltaInterval,
      samplesPerChunk: meta.accumulatedDeltaInterval * meta.snapshotInterval,
      pauseTicks: o.pauseTicks,
      maxTicks: o.maxTicks,
      maxChunksInFlight: o.maxChunksInFlight,
      ...this.planThreading(),
      resume: {
        checkpointJson: Buffer.from(checkpoint).toString('utf8'),
        flatIndices: cols.flatIndices.slice(),
        molecules: cols.molecules.slice(),
        owners: cols.owners.slice(),
        replayUntilTick: tick,
        fork: changed ? { options, reseed } : { reseed: false },
      },
    };
    const { seed, ...runtimeRest } = options;
    const config = {
      ...original,
      maxTicks: o.maxTicks,
      pauseTicks: o.pauseTicks,
      runtime: { ...runtimeRest, seed: seed.toString() },
      resume: { runId: '' },
      fork: { runId: parent, tick, seed: fork.seed, runtime: changes },
    };
    this.logger.info(
      { service: this.name, parent, tick, snapshotTick: Number(snap.tickNumber), changed },
      `Forking run ${parent} at tick ${tick} (replaying from its snapshot at tick ${snap.tickNumber})`,
    );
    const metadata: SimulationMetadataProps = {
      simulationRunId: runId,
      startTimeMs: Date.now(),
      initialSeed: Number(seed),
      programs: meta.programs,
      resolvedConfigJson: Buffer.from(JSON.stringify(config)),
      worldShape: meta.worldShape,
      toroidal: meta.toroidal,
      samplingInterval: meta.samplingInterval,
      accumulatedDeltaInterval: meta.accumulatedDeltaInterval,
      snapshotInterval: meta.snapshotInterval,
      forkedFromRunId: parent,
      forkedAtTick: tick,
    };
    return { data, metadata };
  }

  private compileOrganisms(
    shape: number[],
    toroidal: boolean,
  ): { placements: OrganismPlacement[]; artifacts: ProgramArtifact[] } {
    return compileConfiguredOrganisms(this.name, this.context.options, shape, toroidal);
  }

  private async prepareResume(runId: string): Promise<EngineWorkerData> {
    const storage = this.resumeStorage;
    if (!storage)
      throw new EngineConfigError(this.name, `resume.runId is set but no storage is bound to port 'resumeStorage'.`, [
        `Add \`resumeStorage = "storage-read:<storage>"\` to pipeline.services.${this.name}.resources.`,
      ]);
    const meta = await storage.readMetadata(runId);
    const original = JSON.parse(Buffer.from(meta.resolvedConfigJson).toString('utf8')) as Record<string, unknown>;
    await loadUserPlugins((original.runtime as RuntimeOptionsInput | undefined)?.plugins ?? []);
    const batches = await storage.listBatches(runId);
    this.runId = runId;
    const base: EngineWorkerData = {
      simulationRunId: runId,
      runtime: {
        ...(original.runtime as RuntimeOptionsInput),
        seed: BigInt((original.runtime as { seed: string }).seed),
      },
      organisms: [],
      samplingInterval: meta.samplingInterval,
      accumulatedDeltaInterval: meta.accumulatedDeltaInterval,
      samplesPerChunk: meta.accumulatedDeltaInterval * meta.snapshotInterval,
      pauseTicks: this.context.options.pauseTicks,
      maxTicks: this.context.options.maxTicks,
      maxChunksInFlight: this.context.options.maxChunksInFlight,
      ...this.planThreading(),
    };
    const last = batches.at(-1);
    const forkedFrom = original.fork as SimulationEngineOptions['fork'] | undefined;
    if (!last && forkedFrom?.runId) {
      // A fork that stored nothing yet: fork again, under the same run id (its metadata is already stored).
      return (await this.prepareFork(runId, forkedFrom)).data;
    }
    if (!last) {
      // Nothing stored yet: start the same run again from its configuration (deterministic, same chunks).
      const env = environmentOf(original.environment);
      const { placements } = this.compileOrganismsFrom(original, env);
      return { ...base, organisms: placements };
    }
    let lastChunk;
    for await (const c of storage.readBatchFile(last.key)) lastChunk = c;
    if (!lastChunk)
      throw new EvochoraError(
        PipelineErrorCode.RESUME_FAILED,
        `The last batch file of run ${runId} (${last.key}) holds no chunk.`,
      );
    const chunk = storage.decodeChunk(lastChunk);
    const snap = chunk.snapshot;
    const checkpoint = snap?.runtimeCheckpoint;
    if (!snap || !checkpoint || checkpoint.length === 0)
      throw new EvochoraError(
        PipelineErrorCode.RESUME_FAILED,
        `The last chunk of run ${runId} (${last.key}) has no runtime checkpoint.`,
      );
    const cols = columnsToArrays(snap.cells);
    const resume: ResumePoint = {
      checkpointJson: Buffer.from(checkpoint).toString('utf8'),
      flatIndices: cols.flatIndices.slice(),
      molecules: cols.molecules.slice(),
      owners: cols.owners.slice(),
      replayUntilTick: Number(chunk.lastTick),
    };
    this.logger.info(
      { service: this.name, runId, fromTick: Number(snap.tickNumber), continueAfter: Number(chunk.lastTick) },
      `Resuming run ${runId} from the snapshot at tick ${snap.tickNumber}`,
    );
    return { ...base, resume };
  }

  private compileOrganismsFrom(
    original: Record<string, unknown>,
    env: { shape: number[]; topology: string },
  ): { placements: OrganismPlacement[] } {
    const organisms = {
      organisms: original.organisms,
      sourceRoots: (original.sourceRoots as string[] | undefined) ?? [],
    };
    return compileConfiguredOrganisms(this.name, organisms, env.shape, env.topology.toUpperCase() !== 'BOUND');
  }

  private runWorker(data: EngineWorkerData): Promise<void> {
    return new Promise<void>((resolvePromise, reject) => {
      const worker = spawnModuleWorker(new URL('../engine/', import.meta.url).href, 'engine-worker', {
        workerData: data,
        resourceLimits: { maxYoungGenerationSizeMb: ENGINE_WORKER_YOUNG_GENERATION_MB },
      });
      this.worker = worker;
      let chain: Promise<void> = Promise.resolve();
      let settled = false;
      // A chunk the queue refuses (or that a stop gives up on) stops the simulation and fails the service
      // (ERROR state) instead of leaving a rejected promise to crash the node.
      let deliveryFailure: Error | undefined;
      this.delivery = new AbortController();
      const blockedWatch = setInterval(() => this.warnIfBlocked(), BLOCKED_WARNING_MS / 2);
      blockedWatch.unref();
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        this.signal.removeEventListener('abort', onAbort);
        // Chunks already handed over are still put on the queue before the service reports stopped.
        const settle = (): void => {
          clearInterval(blockedWatch);
          clearTimeout(this.deliveryGiveUp);
        };
        chain.then(
          () => {
            settle();
            void worker.terminate();
            this.worker = undefined;
            // A delivery that failed after the worker had already ended (given up during a stop) still fails the run.
            const failure = err ?? deliveryFailure;
            if (failure) reject(failure);
            else resolvePromise();
          },
          (e: unknown) => {
            settle();
            void worker.terminate();
            this.worker = undefined;
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      };
      const onAbort = (): void => {
        this.send({ type: 'stop' });
        // Chunks already simulated get most of the stop timeout to reach the queue, then are given up
        // (a resumed run simulates them again) so that the service still stops within its timeout.
        const graceMs = Math.max(10, Math.floor(this.stopTimeoutMs * 0.8));
        this.deliveryGiveUp = setTimeout(() => this.delivery.abort(new DeliveryAbandonedError(graceMs)), graceMs);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'chunk': {
            let data: Uint8Array = new Uint8Array(m.buffer, 0, m.byteLength);
            let lease: ChunkLease | undefined;
            if (m.deferred) {
              try {
                const t0 = performance.now();
                data = assembleChunk(data, m.deferred, (n) => {
                  if (n < this.chunkBuffers.minBytes) {
                    // Memory of its own, as a plain view (a Buffer's slice would not copy).
                    const own = Buffer.allocUnsafeSlow(n);
                    return new Uint8Array(own.buffer, own.byteOffset, n);
                  }
                  const leased = this.chunkBuffers.lease(n);
                  lease = leased.lease;
                  return leased.bytes;
                });
                this.assemblyMs += performance.now() - t0;
              } catch (e) {
                // A worker that hands over a chunk it cannot complete is broken: the run stops, nothing half-written is stored.
                deliveryFailure = new ChunkAssemblyError(m.firstTick, m.lastTick, e);
                this.send({ type: 'stop' });
                finish(deliveryFailure);
                break;
              }
              this.send({ type: 'recycle', buffer: m.deferred.ints.buffer as ArrayBuffer }, [
                m.deferred.ints.buffer as ArrayBuffer,
              ]);
              // The assembled chunk is a copy: the worker's buffer goes back for its next chunk (no fresh memory
              // per chunk on the simulation thread; a mature world's chunk is a few MB).
              this.send({ type: 'recycle-chunk', buffer: m.buffer }, [m.buffer]);
            }
            const chunkAttributes = {
              [ATTR.service]: this.name,
              [ATTR.runId]: m.simulationRunId,
              [ATTR.firstTick]: m.firstTick,
              [ATTR.lastTick]: m.lastTick,
              [ATTR.tickCount]: m.tickCount,
              [ATTR.bytes]: data.byteLength,
            };
            // One trace per chunk, begun where the chunk reaches the main thread (never in the worker).
            const produced = this.tracer.startSpan(
              SPAN.chunkProduced,
              { kind: SpanKind.INTERNAL, attributes: chunkAttributes },
              ROOT_CONTEXT,
            );
            let msg: ChunkMessage = {
              simulationRunId: m.simulationRunId,
              firstTick: m.firstTick,
              lastTick: m.lastTick,
              tickCount: m.tickCount,
              data,
              ...(lease ? { lease } : {}),
            };
            chain = chain
              .then(async () => {
                if (deliveryFailure) return;
                const t0 = performance.now();
                const queued = this.tracer.startSpan(
                  SPAN.chunkQueued,
                  { kind: SpanKind.PRODUCER, attributes: { ...chunkAttributes, [ATTR.port]: 'tickData' } },
                  contextOf(produced),
                );
                const traceContext = injectTraceContext(queued);
                if (traceContext) msg = { ...msg, traceContext };
                // No deadline while running: a full queue or a broker failover is backpressure, and the
                // simulation waits for it however long it takes (status shows the wait, the log warns).
                // Only a stop bounds the wait, so a node whose consumers are gone can still shut down.
                this.blockedSince = t0;
                try {
                  await this.tickData.put(msg, msg.data.byteLength, this.delivery.signal);
                } catch (e) {
                  queued.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
                  throw e;
                } finally {
                  this.blockedSince = undefined;
                  queued.end();
                }
                this.queuePutMs += performance.now() - t0;
                this.chunksSent++;
                this.ticksSent += msg.tickCount;
                this.bytesSent += msg.data.byteLength;
                if (this.recordEmittedTicks) this.emitted.push(msg.firstTick);
                this.send({ type: 'ack' });
              })
              .catch((e: unknown) => {
                produced.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
                if (deliveryFailure) return;
                deliveryFailure = new ChunkNotDeliveredError(msg.firstTick, msg.lastTick, e);
                this.send({ type: 'stop' });
                finish(deliveryFailure);
              })
              .finally(() => produced.end());
            break;
          }
          case 'stats':
            this.stats = m.stats;
            break;
          case 'ready':
            this.readyAt = { ms: performance.now(), tick: m.tick };
            break;
          case 'autopaused':
            this.autoPausedAt = m.tick;
            this.logger.info({ service: this.name, tick: m.tick }, `Simulation auto-paused at tick ${m.tick}`);
            if (this.state === 'RUNNING') this.pause();
            break;
          case 'finished':
          case 'stopped':
            this.stats = m.stats;
            this.partialSamples = m.partialSamples;
            this.endAt = { ms: performance.now(), tick: m.tick };
            if (m.type === 'finished')
              this.logger.info({ service: this.name, tick: m.tick }, `Simulation reached maxTicks at tick ${m.tick}`);
            finish();
            break;
          case 'error':
            finish(
              Object.assign(new Error(`simulation worker failed: ${m.message}`), {
                stack: m.stack,
                ...(m.code ? { code: m.code } : {}),
              }),
            );
            break;
        }
      });
      worker.on('error', (err) => finish(err));
      worker.on('exit', (code) => {
        if (!settled) finish(new Error(`simulation worker exited with code ${code}`));
      });
      if (this.signal.aborted) onAbort();
    });
  }

  protected override customMetrics(): Metrics {
    const s = this.stats;
    return {
      current_tick: s?.tick ?? 0,
      ticks_per_sec: Math.round((s?.ticksPerSec ?? 0) * 10) / 10,
      sampled_ticks: s?.sampledTicks ?? 0,
      chunks_sent: this.chunksSent,
      ticks_sent: this.ticksSent,
      bytes_sent: this.bytesSent,
      organisms_alive: s?.organismsAlive ?? 0,
      worker_heap_used_bytes: s?.heapUsedBytes ?? 0,
      worker_heap_total_bytes: s?.heapTotalBytes ?? 0,
      organisms_created: s?.totalOrganismsCreated ?? 0,
      peak_organisms_alive: s?.peakOrganismsAlive ?? 0,
      extinction_tick: s?.extinctionTick ?? -1,
      births_total: s?.births ?? 0,
      deaths_total: s?.deaths ?? 0,
      genomes_alive: s?.genomesAlive ?? 0,
      genome_shannon: s?.genomeShannon ?? 0,
      queue_wait_ms: Math.round(s?.queueWaitMs ?? 0),
      queue_put_ms: Math.round(this.queuePutMs),
      chunk_assembly_ms: Math.round(this.assemblyMs),
      chunks_in_reused_memory: this.chunkBuffers.reused,
      queue_blocked_ms: Math.round(this.blockedMs()),
      encode_ns_per_cell: s && s.cellsEncoded > 0 ? Math.round((s.encodeNs / s.cellsEncoded) * 10) / 10 : 0,
      auto_paused_at_tick: this.autoPausedAt,
      last_partial_chunk_samples: this.partialSamples,
      plan_threads: this.planThreads,
    };
  }
}
