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
import { Simulation } from '../../runtime/index.js';
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

port.on('message', (m: ToWorker) => {
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

function buildSimulation(): Simulation {
  if (data.resume) {
    return simulationFromSnapshot(data.resume.checkpointJson, data.resume);
  }
  const sim = new Simulation(data.runtime);
  for (const o of data.organisms) for (const pos of o.positions) sim.placeProgram(o.program, pos, o.energy);
  return sim;
}

async function main(): Promise<void> {
  const sim = buildSimulation();
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: data.simulationRunId,
    samplesPerChunk: data.samplesPerChunk,
    accumulatedDeltaInterval: data.accumulatedDeltaInterval,
    samplingInterval: data.samplingInterval,
  });
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
    queueWaitMs,
    encodeNs: encoder.cellEncodeNs,
    cellsEncoded: encoder.cellsEncoded,
    ...workerHeap(),
  });

  const emit = (c: EncodedChunk): void => {
    // Transfer a buffer that holds exactly the chunk (encoder output may be a view of a larger pool).
    let buffer: ArrayBuffer;
    if (
      c.bytes.byteOffset === 0 &&
      c.bytes.byteLength === c.bytes.buffer.byteLength &&
      c.bytes.buffer instanceof ArrayBuffer
    )
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
    post(
      {
        type: 'chunk',
        simulationRunId: c.simulationRunId,
        firstTick: c.firstTick,
        lastTick: c.lastTick,
        tickCount: c.tickCount,
        buffer,
      },
      [buffer],
    );
  };

  const writeOrganisms = new OrganismDeltaWriter(() => sim.organisms);

  const sample = (): void => {
    const tick = sim.tick;
    const extras = encoder.nextIsSnapshot ? snapshotExtras(sim) : {};
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
    // Replay silently to the end of the last stored chunk; the next sample starts a new chunk. After a complete
    // chunk that is where the uninterrupted run started one; after a partial one (the run was stopped) the new
    // chunk ends on the uninterrupted run's next chunk boundary, and from there the chunks are the same.
    while (sim.tick < data.resume.replayUntilTick) {
      sim.step();
      sim.pruneDead();
    }
    encoder.resetChanges();
  } else if (sim.tick % interval === 0) {
    sample();
  }
  post({ type: 'ready', tick: sim.tick });

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
  post({ type: 'error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
});

/** This worker's V8 heap, for the engine's metrics. */
function workerHeap(): { heapUsedBytes: number; heapTotalBytes: number } {
  const h = getHeapStatistics();
  return { heapUsedBytes: h.used_heap_size, heapTotalBytes: h.total_heap_size };
}
