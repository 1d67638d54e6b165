/**
 * Distributed-deployment benchmark: real `evochora node run` processes on the shipped role configs, on a
 * 3-node NATS JetStream cluster (streams with 3 replicas) and Swift (s3api), all on this machine's loopback.
 *   1. persistence throughput draining a pre-filled tick stream with 1 and with 2 persistence processes
 *      (ticks/s, and the 2 : 1 ratio);
 *   2. end-to-end ticks/s with the simulation recording every tick (engine → JetStream → 2 persistence
 *      processes → S3), from the engine's start to the last tick stored (and, for reference, the engine
 *      alone filling the stream while no consumer runs);
 *   3. bytes on the wire per tick (engine → NATS, whole connection incl. protocol and headers), and the
 *      payload bytes before and after wire compression.
 * Usage: npx tsx bench/distributed.ts [--json] [--ticks N]     (npm run bench:distributed -- --json)
 * Measured, not asserted: on a shared 2-core machine all servers and processes compete for the same cores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsCluster, type NatsCluster } from '../test/distributed/harness/nats.js';
import { startSwift, type SwiftServer } from '../test/distributed/harness/swift.js';
import { GiveUp, stopAllStarted, waitFor } from '../test/distributed/harness/proc.js';
import {
  deploymentOverrides,
  startNode,
  streamOf,
  type Deployment,
  type NodeProcess,
  type Role,
} from '../test/distributed/harness/node-process.js';

const json = process.argv.includes('--json');
const tIdx = process.argv.indexOf('--ticks');
const TICKS = tIdx > 0 ? Number(process.argv[tIdx + 1]) : 3000;
const SAMPLES_PER_CHUNK = 10; // accumulatedDeltaInterval 5 × snapshotInterval 2
const figures: Record<string, unknown> = { ticks: TICKS };
const say = (line: string): void => {
  if (!json) console.log(line);
};

const ENGINE: Record<string, string | number> = {
  'pipeline.services.simulation-engine.options.maxTicks': TICKS,
  'pipeline.services.simulation-engine.options.seed': 42,
  'pipeline.services.simulation-engine.options.accumulatedDeltaInterval': 5,
  'pipeline.services.simulation-engine.options.snapshotInterval': 2,
  'pipeline.services.simulation-engine.options.maxChunksInFlight': 16,
  'pipeline.services.simulation-engine.options.environment.shape': '[256, 256]',
  'pipeline.services.simulation-engine.options.organisms':
    '[{ program = "assembly/replicator.evo", energy = 100000, positions = [[40, 40], [160, 160]] }]',
};
const BIG_STREAM = {
  'pipeline.resources.tick-queue.options.maxMessages': 1_000_000,
  'pipeline.resources.tick-queue.options.maxBytes': '4GiB',
};
const PERSIST = {
  'pipeline.services.persistence.options.maxBatchSize': 20,
  'pipeline.services.persistence.options.batchTimeoutSeconds': 0.5,
};

let dir = '';
let nats: NatsCluster | undefined;
let swift: SwiftServer | undefined;
const nodes: NodeProcess[] = [];
let run = 0;

function deployment(): Deployment {
  run++;
  return {
    nats: nats!.servers,
    s3Endpoint: swift!.endpoint,
    s3AccessKeyId: swift!.accessKeyId,
    s3SecretAccessKey: swift!.secretAccessKey,
    pgUrl: '',
    ns: `bench${run}${Date.now().toString(36)}`,
  };
}

async function node(
  role: Role,
  name: string,
  d: Deployment,
  extra: Record<string, string | number>,
): Promise<NodeProcess> {
  const n = await startNode(role, name, join(dir, d.ns, name), deploymentOverrides(role, d, extra));
  nodes.push(n);
  return n;
}

async function consumerIdle(d: Deployment): Promise<{ pending: number; ackPending: number }> {
  const nc = await connect({ servers: d.nats.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = streamOf(d, 'tick-queue');
    const ci = await jsm.consumers.info(stream, `${stream}_workers`);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending };
  } finally {
    await nc.close();
  }
}

async function engineDone(sim: NodeProcess): Promise<void> {
  await waitFor(
    'the engine to reach maxTicks',
    async () => {
      const engine = (await sim.status()).services.find((s) => s.name === 'simulation-engine');
      if (engine?.state === 'ERROR') throw new GiveUp(`the engine failed: ${JSON.stringify(engine.errors)}`);
      return engine?.state === 'STOPPED';
    },
    1_800_000,
    sim.process,
  );
}

async function post(n: NodeProcess, path: string): Promise<void> {
  const token = readFileSync(join(n.dataDir, 'node', 'token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${n.port()}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status >= 300) throw new Error(`${n.name} ${path}: ${res.status} ${await res.text()}`);
}

async function stopAll(): Promise<void> {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
}

/** Pre-fills the stream with a whole run, then times how fast `consumers` processes drain it into S3. */
async function drainRate(consumers: number): Promise<{ ticksPerSec: number; seconds: number; mbPerSec: number }> {
  const d = deployment();
  const ps: NodeProcess[] = [];
  for (let i = 1; i <= consumers; i++)
    ps.push(
      await node('persistence-host', `persistence-${i}`, d, {
        ...BIG_STREAM,
        ...PERSIST,
        'pipeline.autoStart': 'false',
      }),
    );
  const sim = await node('simulation-host', 'simulation', d, { ...ENGINE, ...BIG_STREAM });
  const tFill = performance.now();
  await engineDone(sim);
  if (consumers === 1)
    figures.engine_to_stream_only_ticks_per_sec = Math.round(TICKS / ((performance.now() - tFill) / 1000));
  const filled = await consumerIdle(d);
  const t0 = performance.now();
  await Promise.all(ps.map((p) => post(p, '/pipeline/api/start')));
  await waitFor(
    'the stream to be drained',
    async () => {
      const c = await consumerIdle(d);
      return c.pending === 0 && c.ackPending === 0;
    },
    1_800_000,
  );
  const seconds = (performance.now() - t0) / 1000;
  let bytes = 0;
  let latency = 0;
  let conflicts = 0;
  for (const p of ps) {
    const st = await p.status();
    const m = st.resources.find((r) => r.name === 'tick-storage')?.metrics ?? {};
    bytes += m.bytes_written ?? 0;
    latency += (m.write_latency_ms ?? 0) / ps.length;
    conflicts +=
      st.services.find((s) => s.name === 'persistence')?.resourceBindings.find((b) => b.portName === 'input')?.metrics
        .fetch_conflicts ?? 0;
  }
  await stopAll();
  figures[`persistence_${consumers}_s3_put_latency_ms`] = Math.round(latency * 10) / 10;
  figures[`persistence_${consumers}_fetch_conflicts`] = conflicts;
  say(
    `  ${consumers} persistence process(es): drained ${filled.pending} chunks (${TICKS} ticks) in ${seconds.toFixed(2)} s; mean S3 PUT ${latency.toFixed(1)} ms; ${conflicts} fetch conflicts`,
  );
  return { ticksPerSec: TICKS / seconds, seconds, mbPerSec: bytes / 1e6 / seconds };
}

async function main(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'evo-bench-dist-'));
  say(`Starting a 3-node NATS JetStream cluster and Swift (s3api) on loopback ...`);
  [nats, swift] = await Promise.all([startNatsCluster(join(dir, 'nats'), 3), startSwift(join(dir, 'swift'))]);

  say(
    `1. Persistence throughput from a pre-filled stream (${TICKS} ticks, ${TICKS / SAMPLES_PER_CHUNK} chunks, batches of 20 chunks, R3 stream, Swift)`,
  );
  const one = await drainRate(1);
  const two = await drainRate(2);
  figures.persistence_1_ticks_per_sec = Math.round(one.ticksPerSec);
  figures.persistence_2_ticks_per_sec = Math.round(two.ticksPerSec);
  figures.persistence_scaling_ratio = Math.round((two.ticksPerSec / one.ticksPerSec) * 100) / 100;
  figures.persistence_1_stored_mb_per_sec = Math.round(one.mbPerSec * 100) / 100;
  say(`   engine alone into the stream (no consumers): ${figures.engine_to_stream_only_ticks_per_sec} ticks/s`);
  say(
    `   1 process: ${Math.round(one.ticksPerSec)} ticks/s (${one.mbPerSec.toFixed(2)} MB/s stored); 2 processes: ${Math.round(two.ticksPerSec)} ticks/s; ratio ${figures.persistence_scaling_ratio}`,
  );

  say(`2. End to end: engine → JetStream → 2 persistence processes → S3, recording every tick`);
  const d = deployment();
  const ps = [
    await node('persistence-host', 'persistence-1', d, PERSIST),
    await node('persistence-host', 'persistence-2', d, PERSIST),
  ];
  const sim = await node('simulation-host', 'simulation', d, ENGINE);
  const t0 = performance.now(); // the node is ready; its engine starts now
  await engineDone(sim);
  const engineSeconds = (performance.now() - t0) / 1000;
  await waitFor(
    'every chunk stored',
    async () => {
      const c = await consumerIdle(d);
      return c.pending === 0 && c.ackPending === 0;
    },
    1_800_000,
  );
  const seconds = (performance.now() - t0) / 1000;
  const simStatus = await sim.status();
  const q = simStatus.resources.find((r) => r.name === 'tick-queue')!.metrics;
  let stored = 0;
  for (const p of ps) stored += (await p.serviceMetrics('persistence')).ticks_written ?? 0;
  figures.end_to_end_ticks_per_sec = Math.round(TICKS / seconds);
  figures.end_to_end_seconds = Math.round(seconds * 100) / 100;
  figures.engine_seconds_incl_startup = Math.round(engineSeconds * 100) / 100;
  figures.ticks_stored = stored;
  figures.wire_bytes_per_tick = Math.round((q.wire_bytes_out ?? 0) / TICKS);
  figures.payload_bytes_per_tick_compressed = Math.round((q.bytes_published ?? 0) / TICKS);
  figures.payload_bytes_per_tick_raw = Math.round((q.raw_bytes_published ?? 0) / TICKS);
  figures.wire_compression_ratio =
    Math.round(((q.raw_bytes_published ?? 0) / Math.max(1, q.bytes_published ?? 1)) * 100) / 100;
  say(
    `   ${TICKS} ticks in ${seconds.toFixed(2)} s (engine start to last tick stored): ${figures.end_to_end_ticks_per_sec} ticks/s; ${stored} ticks stored`,
  );
  say(
    `3. Bytes on the wire per tick (engine → NATS): ${figures.wire_bytes_per_tick} B (payload ${figures.payload_bytes_per_tick_raw} B raw → ${figures.payload_bytes_per_tick_compressed} B zstd-1, ${figures.wire_compression_ratio}×)`,
  );
  await stopAll();
}

main()
  .then(() => {
    if (json) console.log(JSON.stringify(figures));
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await nats?.stop();
    await swift?.stop();
    await stopAllStarted();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
