import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concatDelimited } from '../../../src/pipeline/contracts/framing.js';
import { SimulationMetadata, type MetadataMessage } from '../../../src/pipeline/contracts/index.js';
import type { QueueConsumer } from '../../../src/pipeline/api/queue.js';
import { chunksOfDeadLetter, replayDeadLetter } from '../../../src/pipeline/resources/dead-letter-replay.js';
import { FileSystemDeadLetterQueue } from '../../../src/pipeline/resources/file-system-dead-letter-queue.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { InMemoryIdempotencyTracker } from '../../../src/pipeline/resources/idempotency-tracker.js';
import { realFsOps } from '../../../src/pipeline/resources/atomic-file.js';
import { MetadataPersistenceService } from '../../../src/pipeline/services/metadata-persistence-service.js';
import { metadataPersistenceServiceType } from '../../../src/pipeline/services/metadata-persistence-service-type.js';
import { newRunId } from '../../../src/pipeline/contracts/run-id.js';
import { capturingLogger, syntheticMessages, waitUntil } from './fixtures.js';
import { resolveOptions } from '../../../src/config/resolve-options.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-dlq-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSystemDeadLetterQueue', () => {
  it('keeps each dead letter as a durable file that a new instance reads back, in failure order', async () => {
    const q = new FileSystemDeadLetterQueue('dlq', join(dir, 'dlq'));
    const msgs = syntheticMessages('run-d', 2);
    await q.put({
      originalMessage: concatDelimited(msgs.map((m) => m.data)),
      messageType: 'TickDataChunk[]',
      retryCount: 3,
      failureReason: 'EIO',
      metadata: { simulationRunId: 'run-d' },
    });
    expect(
      q.offer({
        originalMessage: new Uint8Array([1]),
        messageType: 'SimulationMetadata',
        metadata: { simulationRunId: 'run-d' },
      }),
    ).toBe(true);
    const again = new FileSystemDeadLetterQueue('dlq', join(dir, 'dlq'));
    const list = again.store.list();
    expect(list).toHaveLength(2);
    const first = await again.store.read(list[0]!.id);
    expect(first).toMatchObject({ messageType: 'TickDataChunk[]', retryCount: 3, failureReason: 'EIO' });
    expect(chunksOfDeadLetter(first).map((c) => c.firstTick)).toEqual([0, 5]);
    expect(again.metrics()).toMatchObject({ current_size: 2 });
    expect(again.healthy()).toBe(false);
    expect(readdirSync(join(dir, 'dlq')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses messages beyond its capacity (DLQ_FULL) and counts them', async () => {
    const q = new FileSystemDeadLetterQueue('dlq', join(dir, 'dlq'), 1);
    await q.put({ messageType: 'x' });
    await expect(q.put({ messageType: 'x' })).rejects.toMatchObject({ code: 'DLQ_FULL' });
    expect(q.offer({ messageType: 'x' })).toBe(false);
    expect(q.metrics()).toMatchObject({ dropped_messages: 2, total_messages_received: 1 });
  });

  it('replay writes the batch under its deterministic key and removes the letter; a second failure keeps it', async () => {
    const q = new FileSystemDeadLetterQueue('dlq', join(dir, 'dlq'));
    const msgs = syntheticMessages('run-d', 3);
    await q.put({
      originalMessage: concatDelimited(msgs.map((m) => m.data)),
      messageType: 'TickDataChunk[]',
      metadata: { simulationRunId: 'run-d' },
    });
    const [entry] = q.store.list();
    const broken = new FileSystemStorage('s', {
      rootDirectory: join(dir, 'storage'),
      fsOps: {
        ...realFsOps,
        rename: () => Promise.reject(Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' })),
      },
    });
    expect(await replayDeadLetter(q.store, entry!.id, broken)).toMatchObject({
      ok: false,
      removed: false,
      error: expect.stringMatching(/ENOSPC/),
    });
    expect(q.store.count()).toBe(1);
    const storage = new FileSystemStorage('s', { rootDirectory: join(dir, 'storage') });
    expect(await replayDeadLetter(q.store, entry!.id, storage)).toMatchObject({
      ok: true,
      removed: true,
      ticks: 15,
      storageKey: 'run-d/raw/000/000/batch_0000000000000000000_0000000000000000014.pb.zst',
    });
    expect(q.store.count()).toBe(0);
  });
});

describe('InMemoryIdempotencyTracker', () => {
  it('detects duplicates and evicts the oldest keys beyond maxKeys', () => {
    const t = new InMemoryIdempotencyTracker('ids', 2);
    expect(t.checkAndMark('a')).toBe(true);
    expect(t.checkAndMark('a')).toBe(false);
    t.mark('b');
    t.mark('c');
    expect(t.contains('a')).toBe(false);
    expect(t.contains('c')).toBe(true);
    expect(t.metrics()).toMatchObject({
      total_checks: 2,
      total_duplicates_detected: 1,
      tracked_keys: 2,
      total_evictions: 1,
    });
  });
});

describe('run ids', () => {
  it('are UTC-timestamped, sortable and unique', () => {
    const a = newRunId(new Date(Date.UTC(2026, 10, 25, 3, 4, 5, 670)));
    expect(a).toMatch(/^20261125-03040567-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const b = newRunId(new Date(Date.UTC(2026, 10, 25, 3, 4, 5, 680)));
    expect(a < b).toBe(true);
    expect(newRunId()).not.toBe(newRunId());
  });
});

describe('MetadataPersistenceService', () => {
  it('writes each run’s metadata file; a persistent failure is dead-lettered', async () => {
    const pending: MetadataMessage[] = [];
    const input: QueueConsumer<MetadataMessage> = {
      receiveBatch: async (max, timeoutMs, signal) =>
        pending.length > 0
          ? pending.splice(0, max)
          : (await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 5))), signal?.aborted ? [] : []),
    };
    const storage = new FileSystemStorage('s', { rootDirectory: join(dir, 'storage') });
    const dlq = new FileSystemDeadLetterQueue('dlq', join(dir, 'dlq'));
    const log = capturingLogger();
    const service = new MetadataPersistenceService({
      name: 'metadata-persistence',
      logger: log.logger,
      dataDir: dir,
      options: resolveOptions(metadataPersistenceServiceType.options, {
        maxRetries: 1,
        retryBackoffMs: 1,
        maxRetryBackoffMs: 10,
      }),
      ports: {
        input,
        storage,
        dlq: dlq.bind({
          serviceName: 'm',
          portName: 'dlq',
          usageType: 'queue-out',
          resourceName: 'dlq',
          parameters: {},
        }).port,
      },
    });
    service.start();
    pending.push({
      simulationRunId: 'run-m',
      data: SimulationMetadata.encode({ simulationRunId: 'run-m', initialSeed: 9 }).finish(),
    });
    await waitUntil(() => service.metrics().metadata_written === 1);
    expect((await storage.readMetadata('run-m')).initialSeed).toBe(9);
    pending.push({ simulationRunId: '../bad', data: new Uint8Array([1]) });
    await waitUntil(() => service.metrics().metadata_failed === 1);
    await service.stop();
    expect(dlq.store.count()).toBe(1);
    expect(log.at('warn')).toEqual([expect.stringMatching(/attempt 1\/1/)]);
  });
});
