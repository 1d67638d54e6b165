/**
 * Faults under a real recording: 5 % of the storage's file operations fail with EIO while the persistence writes
 * (retries and the DLQ must lose nothing), and every stored batch is indexed twice (a redelivery): the index must
 * be the same as with one delivery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/config/resolve-options.js';
import type { QueueProducer } from '../../src/pipeline/api/queue.js';
import { TickDataChunk, type ChunkMessage, type DeadLetterMessageProps } from '../../src/pipeline/contracts/index.js';
import { ticksOf } from '../../src/pipeline/contracts/tick-reconstruction.js';
import { realFsOps, type FsOps } from '../../src/pipeline/resources/atomic-file.js';
import { FileSystemDeadLetterQueue } from '../../src/pipeline/resources/file-system-dead-letter-queue.js';
import { FileSystemStorage } from '../../src/pipeline/resources/file-system-storage.js';
import { InMemoryQueue } from '../../src/pipeline/resources/in-memory-queue.js';
import { SqliteIndexDatabase } from '../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { PersistenceService } from '../../src/pipeline/services/persistence-service.js';
import { persistenceServiceType } from '../../src/pipeline/services/persistence-service-type.js';
import { indexBatchOfKind, indexMetadata } from '../../src/pipeline/services/indexers/index-operations.js';
import type { FileSystemStorage as Storage } from '../../src/pipeline/resources/file-system-storage.js';
import { manager, recordingConfig, waitUntil } from '../integration/pipeline/helpers.js';
import { recordFigures, chaosRandom, sized } from './figures.js';

const work = mkdtempSync(join(tmpdir(), 'evo-chaos-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A real recording's chunks, as the engine put them on its queue. */
async function recordedChunks(ticks: number): Promise<{ messages: ChunkMessage[]; runId: string; storage: Storage }> {
  const dir = join(work, 'source');
  const sm = await manager(
    recordingConfig(dir, {
      engine: {
        maxTicks: ticks,
        organisms: [{ program: 'assembly/replicator.evo', energy: 60000, positions: [[10, 10]] }],
        environment: { shape: [96, 96], topology: 'TORUS' },
      },
    }),
  );
  await sm.startAll();
  await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 120_000, 'recording');
  await sm.stopAll();
  const storage = sm.resource('tick-storage') as Storage;
  const runId = (await storage.listRunIds())[0]!;
  const messages: ChunkMessage[] = [];
  for await (const c of storage.readChunks(runId))
    messages.push({
      simulationRunId: runId,
      firstTick: c.firstTick,
      lastTick: c.lastTick,
      tickCount: c.tickCount,
      data: c.data,
    });
  await sm.shutdown();
  return { messages, runId, storage };
}

describe('faults while recording and indexing', () => {
  it("5 % EIO on the storage's writes: every tick stored, nothing lost; a redelivered batch leaves the index as it was", async () => {
    const t0 = performance.now();
    const { messages, runId, storage: source } = await recordedChunks(sized(3000, 30_000));
    const r = chaosRandom(6);
    let faults = 0;
    let operations = 0;
    const maybeFail = (step: string): void => {
      operations++;
      if (r() < 0.05) {
        faults++;
        throw Object.assign(new Error(`EIO: injected during ${step}`), { code: 'EIO' });
      }
    };
    const ops: FsOps = {
      mkdir: async (p) => (maybeFail('mkdir'), realFsOps.mkdir(p)),
      writeAndSync: async (p, d) => (maybeFail('write'), realFsOps.writeAndSync(p, d)),
      rename: async (a, b) => (maybeFail('rename'), realFsOps.rename(a, b)),
      fsyncDir: async (p) => (maybeFail('fsync'), realFsOps.fsyncDir(p)),
      unlink: (p) => realFsOps.unlink(p),
    };
    const dir = join(work, 'faulty');
    const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dir, 'storage'), fsOps: ops });
    const dlq = new FileSystemDeadLetterQueue('persistence-dlq', join(dir, 'dlq'));
    const queue = new InMemoryQueue<ChunkMessage>('tick-queue', { capacity: 100_000, maxBytes: 1 << 30 });
    const ctx = (usage: string, port: string) => ({
      serviceName: 'persistence-1',
      portName: port,
      usageType: usage,
      resourceName: 'x',
      parameters: {},
    });
    const service = new PersistenceService({
      name: 'persistence-1',
      logger: pino({ level: 'silent' }),
      dataDir: dir,
      options: resolveOptions(persistenceServiceType.options, {
        maxBatchSize: 4,
        batchTimeoutSeconds: 0.02,
        maxRetries: 8,
        retryBackoffMs: 2,
      }),
      ports: {
        input: queue.bind(ctx('queue-in', 'input')).port,
        storage: storage.bind(ctx('storage-write', 'storage')).port,
        dlq: dlq.bind(ctx('queue-out', 'dlq')).port as QueueProducer<DeadLetterMessageProps>,
      },
    });
    service.start();
    for (const m of messages) await queue.put(m, m.data.length);
    const expected = messages.reduce((n, m) => n + m.tickCount, 0);
    await waitUntil(
      () => Number(service.metrics().ticks_written) + Number(service.metrics().batches_failed) * 4 * 10 >= expected,
      120_000,
      'every chunk written or dead-lettered',
    );
    await service.stop();
    const stored: number[] = [];
    const reader = new FileSystemStorage('check', { rootDirectory: join(dir, 'storage') });
    for await (const c of reader.readChunks(runId)) stored.push(...ticksOf(TickDataChunk.decode(c.data)));
    const all = messages.flatMap((m) => ticksOf(TickDataChunk.decode(m.data)));
    const deadLettered = Number(service.metrics().batches_failed);
    const lost = all.filter((t) => !new Set(stored).has(t)).length;

    // Index every batch of the (fault-free) source run once, and again twice over, and compare what the index holds.
    const dump = async (twice: boolean): Promise<string> => {
      const idxDir = join(work, twice ? 'index-twice' : 'index-once');
      const db = new SqliteIndexDatabase('index', { directory: idxDir } as never);
      await indexMetadata(source, db, runId);
      for (const b of await source.listBatches(runId))
        for (let k = 0; k < (twice ? 2 : 1); k++)
          for (const kind of ['environment', 'organism'] as const)
            await indexBatchOfKind(kind, source, db, runId, b.key);
      await db.close?.();
      const sqlite = new Database(join(idxDir, `${runId}.sqlite`), { readonly: true });
      const tables = ['metadata', 'environment_chunks', 'organisms', 'organism_ticks', 'organism_chunks'];
      const text = tables
        .map((t) =>
          JSON.stringify(sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all(), (_k, v) =>
            Buffer.isBuffer(v) ? v.toString('base64') : v,
          ),
        )
        .join('\n');
      sqlite.close();
      return text;
    };
    const once = await dump(false);
    const twice = await dump(true);
    const duplicates = once === twice ? 0 : 1;
    recordFigures({
      scenario: '5 % EIO on storage writes; every batch indexed twice',
      inputs: messages.length,
      inputKind: 'chunks',
      faults,
      crashes: 0,
      lost,
      duplicates,
      seconds: (performance.now() - t0) / 1000,
      notes: `${operations} file operations, ${faults} failed with EIO; ${all.length} ticks, ${stored.length} stored, ${deadLettered} batches dead-lettered; index after a redelivery ${duplicates === 0 ? 'identical' : 'DIFFERENT'}`,
    });
    expect(faults).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(stored.length).toBe(all.length);
    expect(once.split('\n')[1]!.length).toBeGreaterThan(1000); // the index holds the run's cells
    expect(twice).toBe(once);
  });
});
