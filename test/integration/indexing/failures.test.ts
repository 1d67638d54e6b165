import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterStore } from '../../../src/pipeline/resources/dead-letter-store.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { indexingConfig, manager, recordAndIndex, waitUntil } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-idxf-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

type Topic = { publish(p: unknown): void; backlog(g: string): number };

describe('indexer failures and pause', () => {
  it('retries a batch that keeps failing, then dead-letters it and goes on with the next', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 30 } }));
    const { runId, db } = await recordAndIndex(sm);
    const topic = sm.resource('batch-topic') as unknown as Topic;
    topic.publish({
      simulationRunId: runId,
      storageKey: `${runId}/raw/missing/batch.pb.zst`,
      tickStart: 1000,
      tickEnd: 1005,
      tickCount: 6,
    });
    await waitUntil(
      () => topic.backlog('environment') === 0 && topic.backlog('organism') === 0,
      30_000,
      'poisoned batch to be dead-lettered',
    );
    const env = sm.serviceStatus('environment-indexer-1');
    expect(env.metrics.dlq_messages_sent).toBe(1);
    expect(env.metrics.failed_attempts).toBe(4); // first attempt + maxRetries (3)
    expect(env.errors[0]).toMatchObject({ code: 'INDEXING_FAILED' });
    expect(sm.serviceStatus('organism-indexer-1').metrics.dlq_messages_sent).toBe(1);
    const letters = new DeadLetterStore(join(dir, 'dlq', 'indexers')).list();
    expect(letters).toHaveLength(2);
    // The run is still fully queryable and the services keep running.
    expect(await (await db.reader(runId))!.environmentTickRange()).toEqual({ minTick: 0, maxTick: 30 });
    expect(sm.stateOf('environment-indexer-1')).toBe('RUNNING');
  }, 60_000);

  it('honours pause: a paused indexer leaves notifications pending and indexes them after resume', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 30 } }));
    const { runId, db } = await recordAndIndex(sm);
    const reader = (await db.reader(runId))!;
    const before = await reader.environmentChunkRanges();
    sm.pause('environment-indexer-1');
    await waitUntil(() => sm!.stateOf('environment-indexer-1') === 'PAUSED', 5000, 'pause');
    const topic = sm.resource('batch-topic') as unknown as Topic;
    const storage = sm.resource('tick-storage') as unknown as {
      listBatches(r: string): Promise<Array<{ key: string; firstTick: number; lastTick: number }>>;
    };
    const batches = await storage.listBatches(runId);
    const processed = sm.serviceStatus('environment-indexer-1').metrics.notifications_processed as number;
    for (const b of batches)
      topic.publish({
        simulationRunId: runId,
        storageKey: b.key,
        tickStart: b.firstTick,
        tickEnd: b.lastTick,
        tickCount: 0,
      });
    await waitUntil(() => topic.backlog('organism') === 0, 10_000, 'organism indexer (not paused) to proceed');
    expect(topic.backlog('environment')).toBe(batches.length);
    expect(sm.serviceStatus('environment-indexer-1').metrics.notifications_processed).toBe(processed);
    sm.resume('environment-indexer-1');
    await waitUntil(() => topic.backlog('environment') === 0, 10_000, 'resumed indexer to catch up');
    expect(sm.serviceStatus('environment-indexer-1').metrics.notifications_processed).toBe(processed + batches.length);
    expect(await reader.environmentChunkRanges()).toEqual(before);
  }, 60_000);
});
