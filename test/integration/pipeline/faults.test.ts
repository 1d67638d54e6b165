import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TickDataChunk,
  type ChunkMessage,
  type DeadLetterMessageProps,
} from '../../../src/pipeline/contracts/index.js';
import { ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import type { QueueProducer } from '../../../src/pipeline/api/queue.js';
import { realFsOps, type FsOps } from '../../../src/pipeline/resources/atomic-file.js';
import { replayDeadLetter } from '../../../src/pipeline/resources/dead-letter-replay.js';
import { FileSystemDeadLetterQueue } from '../../../src/pipeline/resources/file-system-dead-letter-queue.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { InMemoryQueue } from '../../../src/pipeline/resources/in-memory-queue.js';
import { PersistenceService } from '../../../src/pipeline/services/persistence-service.js';
import { persistenceServiceType } from '../../../src/pipeline/services/persistence-service-type.js';
import { syntheticMessages } from '../../unit/pipeline/fixtures.js';
import { waitUntil } from './helpers.js';
import { resolveOptions } from '../../../src/config/resolve-options.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-faults-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Step = keyof FsOps;

/** Real filesystem operations, except that the listed calls fail with the given errno. */
function faultyOps(plan: Array<{ step: Step; code: string }>, log: string[]): FsOps {
  const fail = (step: Step): void => {
    const i = plan.findIndex((p) => p.step === step);
    if (i >= 0) {
      const { code } = plan.splice(i, 1)[0]!;
      log.push(`${step}:${code}`);
      throw Object.assign(new Error(`${code}: injected fault during ${step}`), { code });
    }
  };
  return {
    mkdir: async (p) => (fail('mkdir'), realFsOps.mkdir(p)),
    writeAndSync: async (p, d) => (fail('writeAndSync'), realFsOps.writeAndSync(p, d)),
    rename: async (a, b) => (fail('rename'), realFsOps.rename(a, b)),
    fsyncDir: async (p) => (fail('fsyncDir'), realFsOps.fsyncDir(p)),
    unlink: (p) => realFsOps.unlink(p),
  };
}

async function storedTicks(storage: FileSystemStorage, runId: string): Promise<number[]> {
  const ticks: number[] = [];
  for await (const c of storage.readChunks(runId)) ticks.push(...ticksOf(TickDataChunk.decode(c.data)));
  return ticks;
}

function listFilesRecursive(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(root);
  return out;
}

async function runPersistence(ops: FsOps, messages: ChunkMessage[], options: Record<string, unknown>) {
  const storage = new FileSystemStorage('tick-storage', { rootDirectory: join(dir, 'storage'), fsOps: ops });
  const dlq = new FileSystemDeadLetterQueue('persistence-dlq', join(dir, 'dlq/persistence-dlq'));
  const queue = new InMemoryQueue<ChunkMessage>('tick-queue', { capacity: 1000, maxBytes: 1 << 30 });
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
    // Scripted fault sequences target one batch's attempts, so write one batch at a time unless a test says otherwise.
    options: resolveOptions(persistenceServiceType.options, {
      maxBatchSize: 2,
      batchTimeoutSeconds: 0.02,
      maxRetries: 2,
      retryBackoffMs: 5,
      maxWritesInFlight: 1,
      ...options,
    }),
    ports: {
      input: queue.bind(ctx('queue-in', 'input')).port,
      storage: storage.bind(ctx('storage-write', 'storage')).port,
      dlq: dlq.bind(ctx('queue-out', 'dlq')).port as QueueProducer<DeadLetterMessageProps>,
    },
  });
  service.start();
  for (const m of messages) await queue.put(m, m.data.length);
  await waitUntil(
    () => {
      const x = service.metrics();
      return (
        (x.chunks_written as number) + 2 * (x.batches_failed as number) >= messages.length ||
        (x.batches_written as number) + (x.batches_failed as number) >= Math.ceil(messages.length / 2)
      );
    },
    30_000,
    'all batches handled',
  );
  await service.stop();
  return { storage, dlq, service };
}

describe('storage faults with real files', () => {
  it('ENOSPC is a full disk: the batch waits for space (no attempt counted, nothing dead-lettered), then is written', async () => {
    const log: string[] = [];
    // More ENOSPC failures in a row than the retries other errors get, at both steps of a write.
    const plan = [0, 1, 2, 3, 4].map((i) => ({ step: (i % 2 ? 'rename' : 'writeAndSync') as Step, code: 'ENOSPC' }));
    const ops = faultyOps(plan, log);
    const { storage, service, dlq } = await runPersistence(ops, syntheticMessages('run-f', 6), {});
    expect(log).toHaveLength(5);
    expect(await storedTicks(storage, 'run-f')).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(service.metrics()).toMatchObject({
      write_retries: 0,
      batches_failed: 0,
      disk_full: 0,
      disk_full_episodes_total: 1,
    });
    expect(service.healthy()).toBe(true);
    expect(dlq.store.count()).toBe(0);
    expect(listFilesRecursive(join(dir, 'storage')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  for (const code of ['EIO', 'EACCES']) {
    it(`${code} on write is retried and the batch then succeeds`, async () => {
      const log: string[] = [];
      const ops = faultyOps(
        [
          { step: 'writeAndSync', code },
          { step: 'rename', code },
        ],
        log,
      );
      const { storage, service, dlq } = await runPersistence(ops, syntheticMessages('run-f', 6), {});
      expect(log).toEqual([`writeAndSync:${code}`, `rename:${code}`]);
      expect(await storedTicks(storage, 'run-f')).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(service.metrics()).toMatchObject({ write_retries: 2, batches_failed: 0 });
      expect(dlq.store.count()).toBe(0);
      // The failed attempts left no temp files behind and nothing partial is visible.
      expect(listFilesRecursive(join(dir, 'storage')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });

    it(`${code} on every attempt dead-letters the batch durably; dlq replay recovers it`, async () => {
      const log: string[] = [];
      const plan = [0, 1, 2].map(() => ({ step: 'writeAndSync' as Step, code }));
      const ops = faultyOps(plan, log);
      const msgs = syntheticMessages('run-f', 6);
      const { storage, service } = await runPersistence(ops, msgs, {});
      expect(log).toHaveLength(3);
      expect(service.metrics()).toMatchObject({ batches_failed: 1, dlq_messages_sent: 1 });
      // The DLQ survives a "restart": a fresh store over the same directory still sees it.
      const reopened = new FileSystemDeadLetterQueue('persistence-dlq', join(dir, 'dlq/persistence-dlq'));
      const [entry] = reopened.store.list();
      expect(entry).toBeDefined();
      const letter = await reopened.store.read(entry!.id);
      expect(letter.failureReason).toContain(code);
      expect(letter.retryCount).toBe(2);
      const first = Number(letter.metadata.startTick);
      const last = Number(letter.metadata.endTick);
      expect(letter.metadata).toMatchObject({
        simulationRunId: 'run-f',
        startTick: '0',
        errorCode: code,
        tickCount: String(last - first + 1),
      });
      // Nothing else was lost: every tick is either stored or in the dead letter.
      expect(await storedTicks(storage, 'run-f')).toEqual(
        Array.from({ length: 30 }, (_, i) => i).filter((t) => t > last),
      );
      const outcome = await replayDeadLetter(
        reopened.store,
        entry!.id,
        new FileSystemStorage('s', { rootDirectory: join(dir, 'storage') }),
      );
      expect(outcome).toMatchObject({ ok: true, removed: true });
      expect(await storedTicks(storage, 'run-f')).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(reopened.store.count()).toBe(0);
    });
  }

  it('with several writes in flight, faults lose nothing: every tick is stored or dead-lettered, no temp file remains', async () => {
    const log: string[] = [];
    const plan = [0, 1, 2, 3, 4].map((i) => ({ step: (i % 2 ? 'rename' : 'writeAndSync') as Step, code: 'EIO' }));
    const ops = faultyOps(plan, log);
    const { storage, dlq } = await runPersistence(ops, syntheticMessages('run-f', 12), { maxWritesInFlight: 4 });
    expect(log).toHaveLength(5);
    const dead: number[] = [];
    for (const e of dlq.store.list()) {
      const letter = await dlq.store.read(e.id);
      for (let t = Number(letter.metadata.startTick); t <= Number(letter.metadata.endTick); t++) dead.push(t);
    }
    const stored = await storedTicks(storage, 'run-f');
    expect([...stored, ...dead].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(listFilesRecursive(join(dir, 'storage')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failure of the directory fsync after the rename is retried (the rewrite lands on the same key)', async () => {
    const log: string[] = [];
    const ops = faultyOps([{ step: 'fsyncDir', code: 'EIO' }], log);
    const { storage } = await runPersistence(ops, syntheticMessages('run-f', 2), {});
    expect(log).toEqual(['fsyncDir:EIO']);
    expect(await storedTicks(storage, 'run-f')).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});
