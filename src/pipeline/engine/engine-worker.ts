/**
 * The SimulationEngine's worker thread: owns the runtime, steps it as fast as backpressure allows, samples
 * every `samplingInterval` ticks into a ChunkEncoder and posts each finished chunk as a transferred
 * ArrayBuffer. The main thread acknowledges each chunk once its queue accepted it; with
 * `maxChunksInFlight` unacknowledged chunks the worker waits (that wait is the only backpressure).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { collectHeap } from '../api/heap-collection.js';
import { simulationFromSnapshot, snapshotExtras } from './snapshot-extras.js';
import {
  forkSimulation,
  Simulation,
  type Checkpoint,
  type PluginConfig,
  type SimulationThreading,
} from '../../runtime/index.js';
import { loadUserPlugins } from './user-plugins.js';
import { shannonIndex } from '../analytics/diversity.js';
import { ChunkEncoder, type EncodedChunk } from './chunk-encoder.js';
import type { EngineWorkerData, FromWorker, ToWorker, WorkerStats } from './engine-protocol.js';
import { OrganismDeltaWriter } from './organism-delta-writer.js';

const port = parentPort!;
const data = workerData as EngineWorkerData;
const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

let paused = data.startPaused === true;
let stopping = false;
let inFlight = 0;
let wake: (() => void) | undefined;
const wakeUp = (): void => {
  const w = wake;
  wake = undefined;
  w?.();
};

/** Where buffers the main thread gives back go (the encoder, once there is one). */
let recycle: ((buffer: ArrayBuffer) => void) | undefined;
let recycleChunk: ((buffer: ArrayBuffer) => void) | undefined;

port.on('message', (m: ToWorker) => {
  if (m.type === 'recycle') {
    recycle?.(m.buffer);
    return;
  }
  if (m.type === 'recycle-chunk') {
    recycleChunk?.(m.buffer);
    return;
  }
  if (m.type === 'ack') inFlight--;
  else if (m.type === 'pause') paused = true;
  else if (m.type === 'resume') paused = false;
  else if (m.type === 'stop') stopping = true;
  wakeUp();
});

/**
 * A full collection of this worker's heap every few seconds: each snapshot's checkpoint and the chunk work leave
 * ~2.5 MB/s of old-generation garbage on the mature default world, which V8 otherwise lets grow to ~100 MB.
 */
const GC_EVERY_MS = 3000;

const waitForMessage = (): Promise<void> => new Promise((resolve) => (wake = resolve));
const yieldToMessages = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How the simulation plans each tick (threads; the worker data leaves out what is the runtime's default). */
function threading(): SimulationThreading {
  const perThread = data.minOrganismsPerThread;
  return { threads: data.threads, ...(perThread !== undefined ? { minOrganismsPerThread: perThread } : {}) };
}

function buildSimulation(): Simulation {
  const resume = data.resume;
  if (resume) {
    const sim = simulationFromSnapshot(resume.checkpointJson, resume, threading());
    // Replay silently to the end of the last stored chunk. A fork stops one tick short and takes its last step
    // without removing the dead, so its first sample holds that tick as the parent stored it (dead included).
    const until = resume.replayUntilTick;
    const full = resume.fork ? until - 1 : until;
    while (sim.tick < full) {
      sim.step();
      sim.pruneDead();
    }
    if (sim.tick < until) sim.step();
    return sim;
  }
  const sim = new Simulation(data.runtime, threading());
  for (const o of data.organisms) for (const pos of o.positions) sim.placeProgram(o.program, pos, o.energy);
  return sim;
}

/** The plugins the simulation this worker builds (and a fork's changed options) name. */
function configuredPlugins(): PluginConfig[] {
  const resume = data.resume;
  if (!resume) return data.runtime.plugins ?? [];
  const stored = (JSON.parse(resume.checkpointJson) as Partial<Checkpoint>).options?.plugins ?? [];
  return [...stored, ...(resume.fork?.options?.plugins ?? [])];
}

async function main(): Promise<void> {
  await loadUserPlugins(configuredPlugins());
  let sim = buildSimulation();
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: data.simulationRunId,
    samplesPerChunk: data.samplesPerChunk,
    accumulatedDeltaInterval: data.accumulatedDeltaInterval,
    samplingInterval: data.samplingInterval,
    // The main thread writes the organism deltas' bytes: this thread's time is the simulation's.
    deferOrganismDeltas: true,
  });
  recycle = (buffer) => encoder.recycleJournal(buffer);
  recycleChunk = (buffer) => encoder.recycleChunkBuffer(buffer);
  const pauseTicks = new Set(data.pauseTicks);
  const interval = data.samplingInterval;
  let sampledTicks = 0;
  let chunks = 0;
  let bytes = 0;
  let queueWaitMs = 0;
  const rate = { since: performance.now(), ticks: 0, perSec: 0 };

  const stats = (): WorkerStats => ({
    tick: sim.tick,
    ticksPerSec: rate.perSec,
    sampledTicks,
    chunks,
    bytes,
    organismsAlive: sim.aliveCount,
    totalOrganismsCreated: sim.nextOrganismId - 1,
    peakOrganismsAlive: sim.peakAlive,
    extinctionTick: sim.extinctionTick,
    births: sim.totalBirths,
    deaths: sim.totalDeaths,
    ...genomeDiversity(sim),
    queueWaitMs,
    encodeNs: encoder.cellEncodeNs,
    cellsEncoded: encoder.cellsEncoded,
    ...workerHeap(),
  });

  const emit = (c: EncodedChunk): void => {
    // Transfer the buffer the chunk starts (a reused one may be longer than the chunk: byteLength says how much).
    let buffer: ArrayBuffer;
    if (c.bytes.byteOffset === 0 && c.bytes.buffer instanceof ArrayBuffer && !isNodePoolBuffer(c.bytes))
      buffer = c.bytes.buffer;
    else {
      // Never Buffer#slice here: it returns a view of the shared pool, and transferring that detaches the pool.
      const copy = new Uint8Array(c.bytes.byteLength);
      copy.set(c.bytes);
      buffer = copy.buffer;
    }
    inFlight++;
    chunks++;
    bytes += c.bytes.byteLength;
    const deferred = c.deferred;
    post(
      {
        type: 'chunk',
        simulationRunId: c.simulationRunId,
        firstTick: c.firstTick,
        lastTick: c.lastTick,
        tickCount: c.tickCount,
        buffer,
        byteLength: c.bytes.byteLength,
        ...(deferred ? { deferred } : {}),
      },
      deferred
        ? [
            buffer,
            deferred.index.buffer as ArrayBuffer,
            deferred.ints.buffer as ArrayBuffer,
            deferred.raw.buffer as ArrayBuffer,
          ]
        : [buffer],
    );
  };

  const writeOrganisms = new OrganismDeltaWriter(() => sim.organisms);

  /** `resumesAs`: the simulation a resume from this sample's snapshot must rebuild (a fork's, see below). */
  const sample = (resumesAs: Simulation = sim): void => {
    const tick = sim.tick;
    const extras = encoder.nextIsSnapshot ? snapshotExtras(resumesAs) : {};
    const chunk = encoder.sample(tick, writeOrganisms, sim.nextOrganismId - 1, extras);
    sampledTicks++;
    if (chunk) emit(chunk);
  };

  /** Emits the samples of an unfinished chunk as a shorter chunk; returns how many there were. */
  const emitPartial = (): number => {
    const n = encoder.pendingSamples;
    const chunk = encoder.finishPartial();
    if (chunk) emit(chunk);
    return n;
  };

  if (data.resume) {
    // buildSimulation replayed to the end of the last stored chunk; the next sample starts a new chunk. After a
    // complete chunk that is where the uninterrupted run started one; after a partial one (the run was stopped)
    // the new chunk ends on the uninterrupted run's next chunk boundary, and from there the chunks are the same.
    encoder.resetChanges();
    const fork = data.resume.fork;
    if (fork) {
      // A fork is a new run: its first chunk opens with the tick it was forked at, as the parent stored it. Changed
      // options apply from the next tick on: that snapshot's checkpoint is the forked simulation's, so resuming the
      // fork rebuilds it, and the encoder follows the forked simulation's world (the same cells).
      const forked = fork.options ? forkSimulation(sim, fork.options, fork.reseed) : undefined;
      sample(forked);
      sim.pruneDead();
      if (forked) {
        sim.close();
        sim = forked;
        encoder.followWorld(sim.world);
      }
    }
  } else if (sim.tick % interval === 0) {
    sample();
  }
  post({ type: 'ready', tick: sim.tick });
  if (data.maxTicks > 0 && sim.tick >= data.maxTicks) {
    // A resumed run that had already reached its last tick: nothing more to simulate.
    const partial = emitPartial();
    while (inFlight > 0 && !stopping) await waitForMessage();
    post({ type: 'finished', tick: sim.tick, partialSamples: partial, stats: stats() });
    return;
  }

  let lastStats = performance.now();
  let lastGc = lastStats;
  for (;;) {
    if (stopping) break;
    if (paused) {
      post({ type: 'stats', stats: stats() });
      while (paused && !stopping) await waitForMessage();
      continue;
    }
    if (inFlight >= data.maxChunksInFlight) {
      const w0 = performance.now();
      await waitForMessage();
      queueWaitMs += performance.now() - w0;
      continue;
    }
    // Run a slice of ticks, then let messages in.
    const sliceEnd = performance.now() + 20;
    let autopaused = false;
    let finished = false;
    do {
      sim.step();
      const t = sim.tick;
      rate.ticks++;
      if (t % interval === 0) sample();
      sim.pruneDead();
      if (pauseTicks.has(t)) {
        paused = true;
        autopaused = true;
        post({ type: 'stats', stats: stats() });
        post({ type: 'autopaused', tick: t });
        break;
      }
      if (data.maxTicks > 0 && t >= data.maxTicks) {
        finished = true;
        break;
      }
    } while (inFlight < data.maxChunksInFlight && performance.now() < sliceEnd);
    const now = performance.now();
    if (now - rate.since >= 1000) {
      rate.perSec = (rate.ticks * 1000) / (now - rate.since);
      rate.since = now;
      rate.ticks = 0;
    }
    if (now - lastStats >= 250) {
      lastStats = now;
      if (now - lastGc >= GC_EVERY_MS) {
        lastGc = now;
        collectHeap();
      }
      post({ type: 'stats', stats: stats() });
    }
    if (finished) {
      const partial = emitPartial();
      // Wait until every emitted chunk was accepted, then report.
      while (inFlight > 0 && !stopping) await waitForMessage();
      post({ type: 'finished', tick: sim.tick, partialSamples: partial, stats: stats() });
      return;
    }
    if (!autopaused) await yieldToMessages();
  }
  // The main thread puts every chunk posted before 'stopped' on the queue before it reports stopped.
  const partial = emitPartial();
  post({ type: 'stopped', tick: sim.tick, partialSamples: partial, stats: stats() });
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  post({
    type: 'error',
    message: e.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
  });
});

/** This worker's V8 heap, for the engine's metrics. */
function workerHeap(): { heapUsedBytes: number; heapTotalBytes: number } {
  const h = getHeapStatistics();
  return { heapUsedBytes: h.used_heap_size, heapTotalBytes: h.total_heap_size };
}

/** Distinct genomes among the living and the Shannon index of their shares (a few µs per hundred organisms). */
function genomeDiversity(sim: Simulation): { genomesAlive: number; genomeShannon: number } {
  const counts = new Map<string, number>();
  let alive = 0;
  for (const o of sim.organisms) {
    if (o.dead) continue;
    alive++;
    counts.set(o.genomeHash, (counts.get(o.genomeHash) ?? 0) + 1);
  }
  const h = shannonIndex(counts.values(), alive);
  return { genomesAlive: counts.size, genomeShannon: Math.round(h * 1e4) / 1e4 };
}

/** Node's shared pool of small Buffers: never transferred (that would detach every other Buffer in it). */
function isNodePoolBuffer(bytes: Uint8Array): boolean {
  return bytes.buffer.byteLength === Buffer.poolSize && bytes.byteLength < Buffer.poolSize >>> 1;
}
