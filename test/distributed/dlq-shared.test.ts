/**
 * The shared dead-letter queue against a real Swift (s3api) started by the harness: a PersistenceService whose
 * S3 refuses every write dead-letters its batches into the S3DeadLetterQueue of the shipped persistence-host
 * config, another "host" dead-letters an indexer announcement into the indexer host's queue, and the CLI with
 * the persistence host's config (`-c`, pointed at the test's Swift) lists both queues, replays the batches into
 * S3 storage (removing the letters) and `cleanup --run` removes a run together with its shared dead letters.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatDelimited } from '../../src/pipeline/contracts/framing.js';
import {
  BatchInfo,
  TickDataChunk,
  type ChunkMessage,
  type DeadLetterMessageProps,
} from '../../src/pipeline/contracts/index.js';
import { ticksOf } from '../../src/pipeline/contracts/tick-reconstruction.js';
import type { QueueProducer } from '../../src/pipeline/api/queue.js';
import { loadConfig } from '../../src/config/loader.js';
import { resolveOptions } from '../../src/config/resolve-options.js';
import { createConfiguredResource } from '../../src/pipeline/configured-resources.js';
import { defaultRegistry } from '../../src/pipeline/registry.js';
import { InMemoryQueue } from '../../src/pipeline/resources/in-memory-queue.js';
import { S3Storage } from '../../src/pipeline/resources/s3/s3-storage.js';
import { S3DeadLetterQueue } from '../../src/pipeline/resources/s3/s3-dead-letter-queue.js';
import { DEFAULT_FOLDER_LEVELS } from '../../src/pipeline/resources/storage-keys.js';
import { PersistenceService } from '../../src/pipeline/services/persistence-service.js';
import { persistenceServiceType } from '../../src/pipeline/services/persistence-service-type.js';
import { syntheticMessages } from '../unit/pipeline/fixtures.js';
import { startSwift, type SwiftServer } from './harness/swift.js';
import { stopAllStarted, waitFor } from './harness/proc.js';
import { bucketOf, CLI, deploymentOverrides, REPO_ROOT, type Deployment } from './harness/node-process.js';

let dir: string;
let swift: SwiftServer;
let d: Deployment;
const closers: Array<() => Promise<void>> = [];

const RUN_A = '20260301-00000000-dlq-run-a';
const RUN_B = '20260301-00000001-dlq-run-b';
const PERSISTENCE_CONF = join(REPO_ROOT, 'config', 'distributed', 'persistence-host.conf');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-dlq-shared-'));
  swift = await startSwift(join(dir, 'swift'));
  d = {
    nats: 'nats://127.0.0.1:1', // never contacted: the commands below create only the storage and the DLQs
    s3Endpoint: swift.endpoint,
    s3AccessKeyId: swift.accessKeyId,
    s3SecretAccessKey: swift.secretAccessKey,
    pgUrl: 'postgres://unused@127.0.0.1:1/none',
    ns: `dlq${Date.now().toString(36)}`,
  };
});

afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await swift?.stop();
  await stopAllStarted();
  if (process.env.EVO_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
});

/** The shipped role config with the deployment's overrides, as a host would load it. */
function roleConfig(role: 'persistence-host' | 'indexer-host') {
  const sets = deploymentOverrides(role, d).filter((a) => a !== '--set');
  return loadConfig({
    configFile: join(REPO_ROOT, 'config', 'distributed', `${role}.conf`),
    overrides: [...sets, `node.dataDir=${join(dir, role)}`],
    env: {},
  }).config;
}

/** A shared DLQ resource of a role's config, created the way the node creates it. */
async function dlqOf(role: 'persistence-host' | 'indexer-host', name: string): Promise<S3DeadLetterQueue> {
  const q = await createConfiguredResource(roleConfig(role), defaultRegistry(), name);
  expect(q).toBeInstanceOf(S3DeadLetterQueue);
  closers.push(() => q.close!());
  return q as S3DeadLetterQueue;
}

async function s3Storage(secretAccessKey = d.s3SecretAccessKey): Promise<S3Storage> {
  const s = new S3Storage('check', {
    endpoint: d.s3Endpoint,
    region: 'us-east-1',
    bucket: bucketOf(d),
    accessKeyId: d.s3AccessKeyId,
    secretAccessKey,
    forcePathStyle: true,
    prefix: '',
    folderLevels: DEFAULT_FOLDER_LEVELS,
    compressionLevel: 3,
    multipartThresholdBytes: 16 * 1024 * 1024,
    partSizeBytes: 5 * 1024 * 1024,
    partConcurrency: 4,
    maxAttempts: 1,
    requestTimeoutMs: 30_000,
    createBucket: true,
  });
  closers.push(() => s.close());
  return s;
}

/** `evochora <args> -c persistence-host.conf` on this deployment, from another "machine" (its own data dir). */
function cli(...args: string[]): { status: number | null; json: { status: number; result: unknown }; out: string } {
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      ...args,
      '-c',
      PERSISTENCE_CONF,
      '--data-dir',
      join(dir, 'operator'),
      ...deploymentOverrides('persistence-host', d),
      '--json',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  let json = { status: -1, result: undefined as unknown };
  try {
    json = JSON.parse(r.stdout) as typeof json;
  } catch {
    // asserted by the caller through status and out
  }
  return { status: r.status, json, out: r.stdout + r.stderr };
}

async function storedTicks(s: S3Storage, runId: string): Promise<number[]> {
  const ticks: number[] = [];
  for await (const c of s.readChunks(runId)) ticks.push(...ticksOf(TickDataChunk.decode(c.data)));
  return ticks.sort((a, b) => a - b);
}

/** Runs a PersistenceService whose S3 refuses every write (wrong secret): each batch ends in the shared DLQ. */
async function persistIntoRefusingS3(dlq: S3DeadLetterQueue, messages: ChunkMessage[]): Promise<void> {
  const refusing = await s3Storage('wrong-secret');
  const queue = new InMemoryQueue<ChunkMessage>('tick-queue', { capacity: 1000, maxBytes: 1 << 30 });
  const ctx = (usage: string, port: string) => ({
    serviceName: 'persistence',
    portName: port,
    usageType: usage,
    resourceName: 'x',
    parameters: {},
  });
  const service = new PersistenceService({
    name: 'persistence',
    logger: pino({ level: 'silent' }),
    dataDir: dir,
    options: resolveOptions(persistenceServiceType.options, {
      maxBatchSize: 2,
      batchTimeoutSeconds: 0.05,
      maxRetries: 1,
      retryBackoffMs: 5,
      maxWritesInFlight: 1,
    }),
    ports: {
      input: queue.bind(ctx('queue-in', 'input')).port,
      storage: refusing.bind(ctx('storage-write', 'storage')).port,
      dlq: dlq.bind(ctx('queue-out', 'dlq')).port as QueueProducer<DeadLetterMessageProps>,
    },
  });
  service.start();
  for (const m of messages) await queue.put(m, m.data.length);
  await waitFor(
    'every batch dead-lettered',
    () => (service.metrics().dlq_messages_sent as number) >= Math.ceil(messages.length / 2),
    60_000,
  );
  await service.stop();
}

/** An indexer's dead letter for a run (an announcement it could not index), as AbstractIndexer writes it. */
function indexerLetter(runId: string): DeadLetterMessageProps {
  const info = BatchInfo.encode(
    BatchInfo.create({ simulationRunId: runId, storageKey: `${runId}/raw/x.pb.zst`, tickStart: 0, tickEnd: 9 }),
  ).finish();
  return {
    originalMessage: info,
    messageType: 'BatchInfo',
    retryCount: 3,
    failureReason: 'index database refused the write',
    sourceService: 'environment-indexer',
    metadata: { simulationRunId: runId, storageKey: `${runId}/raw/x.pb.zst` },
  };
}

interface Listed {
  dlq: string;
  id: string;
  messageType: string;
  simulationRunId: string;
  startTick: number | null;
  endTick: number | null;
  sourceService: string;
}

describe('shared dead-letter queue in S3', () => {
  it("collects every host's dead letters in the bucket; dlq list/replay and cleanup work on them from any machine", async () => {
    // Host 1 (persistence): its S3 refuses writes, so all 3 batches of run A go to the shared DLQ.
    const persistenceDlq = await dlqOf('persistence-host', 'persistence-dlq');
    const messagesA = syntheticMessages(RUN_A, 6);
    await persistIntoRefusingS3(persistenceDlq, messagesA);
    const lettersA = await persistenceDlq.list();
    expect(lettersA).toHaveLength(3);
    expect(persistenceDlq.metrics()).toMatchObject({ total_messages_received: 3, current_size: 3, error_count: 0 });
    expect(persistenceDlq.healthy()).toBe(false); // holds letters: someone has to look at them
    // Host 2 (indexer): one announcement of run A it could not index, in its own queue of the same bucket.
    const indexerDlq = await dlqOf('indexer-host', 'indexer-dlq');
    await indexerDlq.put(indexerLetter(RUN_A));

    // The storage's run listing does not mistake the DLQ folder for a run.
    const storage = await s3Storage();
    await storage.init();
    expect(await storage.listRunIds()).toEqual([]);

    // Any machine with the persistence host's config sees both queues (the indexer's as a sibling).
    const list = cli('dlq', 'list');
    expect(list.status, list.out).toBe(0);
    const listed = (list.json.result as { deadLetters: Listed[] }).deadLetters;
    expect(listed.filter((l) => l.dlq === 'persistence-dlq').map((l) => l.id)).toEqual(lettersA.map((l) => l.id));
    expect(listed.filter((l) => l.dlq === 'persistence-dlq')).toEqual(
      [0, 10, 20].map((start) =>
        expect.objectContaining({
          messageType: 'TickDataChunk[]',
          simulationRunId: RUN_A,
          startTick: start,
          endTick: start + 9,
          sourceService: 'persistence',
        }),
      ),
    );
    expect(listed.filter((l) => l.dlq === 'indexer-dlq')).toEqual([
      expect.objectContaining({
        messageType: 'BatchInfo',
        simulationRunId: RUN_A,
        sourceService: 'environment-indexer',
      }),
    ]);

    // Replay writes the batches to S3 storage under their keys and deletes the letters.
    const replay = cli('dlq', 'replay', '--dlq', 'persistence-dlq');
    expect(replay.status, replay.out).toBe(0);
    const replayed = (replay.json.result as { replayed: Array<{ ok: boolean; removed: boolean; storageKey: string }> })
      .replayed;
    expect(replayed).toHaveLength(3);
    expect(replayed.every((r) => r.ok && r.removed)).toBe(true);
    expect(replayed.map((r) => r.storageKey)).toEqual([0, 10, 20].map((t) => storage.batchKey(RUN_A, t, t + 9)));
    expect(await storedTicks(storage, RUN_A)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await persistenceDlq.list()).toEqual([]);
    expect((await indexerDlq.list()).length).toBe(1); // not asked for: left alone
    expect(await storage.listRunIds()).toEqual([RUN_A]);

    // Run B: one batch stored, one dead-lettered by persistence, one announcement dead-lettered by an indexer.
    const messagesB = syntheticMessages(RUN_B, 4);
    await storage.writeBatch(storage.batchKey(RUN_B, 0, 9), messagesB.slice(0, 2));
    await persistenceDlq.put({
      originalMessage: concatDelimited(messagesB.slice(2).map((m) => m.data)),
      messageType: 'TickDataChunk[]',
      retryCount: 2,
      failureReason: 'injected',
      sourceService: 'persistence',
      metadata: { simulationRunId: RUN_B, startTick: '10', endTick: '19', tickCount: '10' },
    });
    await indexerDlq.put(indexerLetter(RUN_B));
    const cleanup = cli('cleanup', '--run', RUN_B, '--yes', '--active-within', '0');
    expect(cleanup.status, cleanup.out).toBe(0);
    expect((cleanup.json.result as { runs: unknown[] }).runs).toEqual([
      expect.objectContaining({ runId: RUN_B, deleted: true, deadLetters: 2 }),
    ]);
    expect(await storage.listRunIds()).toEqual([RUN_A]);
    expect(await persistenceDlq.list()).toEqual([]);
    const leftInIndexerDlq = await indexerDlq.list();
    expect(leftInIndexerDlq).toHaveLength(1);
    expect((await indexerDlq.read(leftInIndexerDlq[0]!.id)).metadata.simulationRunId).toBe(RUN_A);

    // `inspect storage` with the same config reads the replayed run from S3.
    const inspect = cli('inspect', 'storage', '--run', RUN_A);
    expect(inspect.status, inspect.out).toBe(0);
    expect(inspect.json.result).toMatchObject({ runId: RUN_A, batches: 3, firstTick: 0, lastTick: 29 });
  });
});
