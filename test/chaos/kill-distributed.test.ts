/**
 * kill -9 of each process role of the distributed deployment while it records: the simulation host, the
 * persistence host and the indexer host run as real `evochora node run` processes on the shipped role configs
 * (config/distributed/*.conf) against real NATS JetStream (3 nodes), Swift (S3) and PostgreSQL servers. At seeded
 * random moments one role, chosen at random, gets SIGKILL and is started again at once: the simulation host with
 * `--resume RUN`, the others plainly (they consume from the durable stream and topics). At the end the run must be
 * whole (`verify --replay`: every checksum, no gap, no overlap, re-simulated exactly), indexed completely by the
 * indexer host itself once it caught up, and S3 must show no partial object.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../distributed/harness/nats.js';
import { startSwift, type SwiftServer } from '../distributed/harness/swift.js';
import { startPostgres, type PostgresServer } from '../distributed/harness/postgres.js';
import { stopAllStarted, waitFor } from '../distributed/harness/proc.js';
import { startFaultProxy } from '../distributed/harness/fault-proxy.js';
import {
  bucketOf,
  deploymentOverrides,
  startNode,
  streamOf,
  type Deployment,
  type NodeProcess,
  type Role,
} from '../distributed/harness/node-process.js';
import { BATCH_FILE_PATTERN, METADATA_FILE } from '../../src/pipeline/resources/storage-keys.js';
import { decodeDeadLetter } from '../../src/pipeline/resources/dead-letter-archive.js';
import { readStorageStream } from '../../src/pipeline/resources/storage-file.js';
import { CONTENT_DEAD_LETTER } from '../../src/pipeline/contracts/index.js';
import { chaosRandom, recordFigures, sized } from './figures.js';
import { distributedCli, type VerifyReport } from './distributed-cli.js';

const ROLES: readonly Role[] = ['simulation-host', 'persistence-host', 'indexer-host'];

let dir: string;
let nats: NatsCluster;
let swift: SwiftServer;
let pgServer: PostgresServer;
const running = new Map<Role, NodeProcess>();
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-chaos-dist-'));
  [nats, swift, pgServer] = await Promise.all([
    startNatsCluster(join(dir, 'nats'), 3),
    startSwift(join(dir, 'swift')),
    startPostgres(dir),
  ]);
});

afterAll(async () => {
  await Promise.all([...running.values()].map((n) => n.kill()));
  for (const c of closers.splice(0)) await c().catch(() => undefined);
  await Promise.all([nats?.stop(), swift?.stop(), pgServer?.stop()]);
  await stopAllStarted();
  // EVO_TEST_KEEP=1 keeps the servers' and nodes' logs for a post-mortem.
  if (process.env.EVO_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
});

/**
 * The persistence host writes to S3 through a proxy that holds each batch PUT this long. It bounds the recording
 * rate (the tick stream's backpressure holds the engine) below what the indexer host indexes on a 2-core machine,
 * so the index catches up within seconds; and a killed persistence host is often caught mid-write.
 */
const PUT_DELAY_MS = 250;

/**
 * Per-role overrides: a 128×128 world, a short tick stream (backpressure), and short redelivery delays so that the
 * work of a killed process comes back within seconds (the shipped 30 s / 60 s are for production). Every role that
 * declares a stream says the same, as whichever process comes first creates the stream and its consumers.
 */
function roleSets(role: Role, slowS3: string): Record<string, string | number> {
  const queue = {
    'pipeline.resources.tick-queue.options.maxMessages': 200,
    'pipeline.resources.tick-queue.options.ackWaitMs': 2000,
    'pipeline.resources.metadata-queue.options.ackWaitMs': 2000,
  };
  const topics = {
    'pipeline.resources.batch-topic.options.ackTimeoutMs': 4000,
    'pipeline.resources.metadata-topic.options.ackTimeoutMs': 4000,
  };
  if (role === 'simulation-host')
    return { ...queue, 'pipeline.services.simulation-engine.options.environment.shape': '[128,128]' };
  if (role === 'persistence-host')
    return {
      ...queue,
      ...topics,
      'pipeline.resources.tick-storage.options.endpoint': slowS3,
      'pipeline.services.persistence.options.retryBackoffMs': 100,
    };
  return { ...topics, 'pipeline.services.analytics-indexer.options.flushIntervalMs': 1000 };
}

function shuffled<T>(xs: readonly T[], r: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kill -9 of each process role in the distributed shape', () => {
  it('simulation, persistence and indexer hosts killed at random points and restarted: the run is whole, exact and fully indexed', async () => {
    const r = chaosRandom(11);
    const kills = sized(9, 60);
    const t0 = performance.now();
    const d: Deployment = {
      nats: nats.servers,
      s3Endpoint: swift.endpoint,
      s3AccessKeyId: swift.accessKeyId,
      s3SecretAccessKey: swift.secretAccessKey,
      pgUrl: pgServer.url,
      ns: `chaos${Date.now().toString(36)}`,
    };
    const cli = distributedCli(d, join(dir, 'cli'));
    const slowS3 = await startFaultProxy(swift.endpoint, {
      delayMs: (req) => (req.method === 'PUT' && /\/batch_\d+_\d+\.pb\.zst/.test(req.url ?? '') ? PUT_DELAY_MS : 0),
    });
    closers.push(() => slowS3.close());
    const dataDirOf = (role: Role): string => join(dir, d.ns, role);
    let runId = '';
    let crashes = 0;
    const start = async (role: Role): Promise<void> => {
      // A killed node leaves its state file behind; the harness reads the new one to learn the new port.
      rmSync(join(dataDirOf(role), 'node', 'node.json'), { force: true });
      const extra = role === 'simulation-host' && runId !== '' ? ['--resume', runId] : [];
      const n = await startNode(role, role, dataDirOf(role), [
        ...deploymentOverrides(role, d, roleSets(role, slowS3.url)),
        ...extra,
      ]);
      running.set(role, n);
    };
    // Consumers first, as in docs/distributed.md.
    await start('persistence-host');
    await start('indexer-host');
    await start('simulation-host');
    const s3 = swift.client();
    const bucket = bucketOf(d);
    await waitFor(
      'the run metadata to be stored',
      async () => {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        const meta = page.Contents?.find((o) => o.Key?.endsWith(`/raw/${METADATA_FILE}`));
        if (meta) runId = meta.Key!.split('/')[0]!;
        return meta !== undefined;
      },
      60_000,
    );

    const killsPerRole = new Map<Role, number>(ROLES.map((x) => [x, 0]));
    const restartMs: number[] = [];
    let order: Role[] = [];
    for (let k = 0; k < kills; k++) {
      await sleep(200 + Math.floor(r() * 1800));
      // A role that died on its own is a crash, not a kill point.
      for (const [role, n] of running)
        if (!n.process.isRunning()) {
          crashes++;
          console.error(`${role} exited on its own (${String(await n.process.exited)}); see ${n.process.logFile}`);
          await start(role);
        }
      // Every role equally often: each round of three kills takes the roles in a random order.
      if (k % ROLES.length === 0) order = shuffled(ROLES, r);
      const role = order[k % ROLES.length]!;
      killsPerRole.set(role, killsPerRole.get(role)! + 1);
      await running.get(role)!.kill();
      const t = performance.now();
      // A restart that fails is a finding: say what the broker held (nats-server 2.9 may be resetting a stream).
      await start(role).catch(async (err: Error) => {
        throw new Error(
          `restart ${k + 1} of ${kills} (${role}) failed: ${err.message}\n${await nats.describeStream(streamOf(d, 'tick-queue'))}`,
        );
      });
      restartMs.push(performance.now() - t);
    }
    await sleep(1500);
    const killSeconds = (performance.now() - t0) / 1000;

    // The end of the run: the simulation host stops cleanly, the persistence host drains the stream, the indexer
    // host catches up by itself (no `evochora index`).
    const sim = running.get('simulation-host')!;
    await sim.stop();
    expect(await sim.process.exited, sim.process.logFile).toBe(0);
    running.delete('simulation-host');
    const catchUp0 = performance.now();
    let last: VerifyReport | undefined;
    await waitFor(
      'the stream drained and the run whole and fully indexed by the indexer host',
      async () => {
        const status = await running.get('persistence-host')!.status();
        const backlog = status.resources.find((x) => x.name === 'tick-queue')?.metrics.current_size;
        if (backlog !== 0) return false;
        last = (await cli.verify(runId, false)).report;
        return last.ok;
      },
      sized(150_000, 600_000),
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nlast verify: ${JSON.stringify(last?.problems.slice(0, 10))}`);
    });
    const catchUpSeconds = (performance.now() - catchUp0) / 1000;
    for (const role of ['persistence-host', 'indexer-host'] as const) {
      const n = running.get(role)!;
      const failed = (await n.status()).services.filter((s) => s.state === 'ERROR');
      crashes += failed.length;
      expect(failed, `${role} services in ERROR`).toEqual([]);
      await n.stop();
      expect(await n.process.exited, n.process.logFile).toBe(0);
      running.delete(role);
    }

    // No partial object: every raw key is a complete batch file or the metadata (verify read each one), and no
    // multipart upload was left open by a killed writer.
    const keys: string[] = [];
    for (let token: string | undefined; ;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      if (!page.IsTruncated) break;
      token = page.NextContinuationToken;
    }
    // A restarted simulation host continued the run: the bucket holds no other.
    const runsInBucket = [...new Set(keys.map((k) => k.split('/')[0]!))];
    const raw = keys.filter((k) => k.startsWith(`${runId}/raw/`));
    const strayRaw = raw.filter((k) => {
      const name = k.split('/').at(-1)!;
      return name !== METADATA_FILE && !BATCH_FILE_PATTERN.test(name);
    });
    const openUploads =
      (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.Key) ?? [];
    // Letters of the shared S3 dead-letter queues (`.dlq/<queue>/<id>`): which queue, which service, and why, so a
    // failure says what was dead-lettered.
    const s3Letters: string[] = [];
    for (const key of keys.filter((k) => k.startsWith('.dlq/'))) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await r.Body!.transformToByteArray();
      for await (const m of readStorageStream(Readable.from([Buffer.from(bytes)]), key, CONTENT_DEAD_LETTER)) {
        const letter = decodeDeadLetter(m, key);
        s3Letters.push(
          `${key}: ${letter.sourceService} (${letter.sourceQueue}), ${letter.retryCount} retries: ${letter.failureReason}; ` +
            JSON.stringify(letter.metadata),
        );
        break;
      }
    }
    s3.destroy();
    // Batches that failed for good would be on the persistence host's disk or in the bucket's queues: none may be.
    const dlqDir = join(dataDirOf('persistence-host'), 'dlq');
    const deadLetters =
      (existsSync(dlqDir)
        ? readdirSync(dlqDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
        : 0) + s3Letters.length;

    const verify = await cli.verify(runId, true);
    const report = verify.report;
    const count = (kind: string): number => report.problems.filter((p) => p.kind === kind).length;
    const perRole = ROLES.map((x) => `${x.replace('-host', '')} ${killsPerRole.get(x)}`).join(', ');
    recordFigures({
      scenario:
        'kill -9 of each distributed role (simulation, persistence, indexer host) while recording, then restart',
      inputs: kills,
      inputKind: 'kill points',
      faults: kills,
      crashes: crashes + count('file') + count('chunk') + count('replay') + strayRaw.length,
      lost: count('gap') + deadLetters,
      duplicates: count('overlap'),
      seconds: (performance.now() - t0) / 1000,
      notes:
        `kills: ${perRole}; ${report.ticks} ticks stored (0..${report.lastTick}) in ${raw.length - 1} S3 objects, ` +
        `verify --replay ${report.ok ? 'whole and exact' : 'found problems'}, index complete ${count('index') === 0}, ` +
        `analytics complete ${count('analytics') === 0}; stream drained and index caught up ${catchUpSeconds.toFixed(1)} s after the simulation host stopped; ` +
        `${strayRaw.length} partial or stray objects, ${openUploads.length} open multipart uploads, ${deadLetters} dead letters; ` +
        `restart to ready ${Math.round(Math.max(...restartMs))} ms at most; kills phase ${killSeconds.toFixed(0)} s`,
    });
    expect(verify.exitCode, verify.output).toBe(0);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.indexChecked).toBe(true);
    expect(report.firstTick).toBe(0);
    expect(report.ticks).toBe(report.lastTick + 1);
    expect(report.analyticsChecked).toBe(true);
    expect(s3Letters, s3Letters.join('\n')).toEqual([]);
    expect(runsInBucket).toEqual([runId]);
    expect(strayRaw).toEqual([]);
    expect(openUploads).toEqual([]);
    expect(deadLetters).toBe(0);
    expect(crashes).toBe(0);
    expect([...killsPerRole.values()].reduce((a, b) => a + b, 0)).toBe(kills);
  });
});
