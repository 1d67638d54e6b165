/**
 * Catch-up: batches and metadata stored while no indexer took their notifications (indexers stopped
 * mid-run, or not configured) are indexed when the indexers start again, and the result equals indexing the
 * whole run from storage (which equals live indexing, see index-command.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import {
  indexMetadata,
  indexStoredBatches,
  unindexedBatches,
} from '../../../src/pipeline/services/indexers/index-operations.js';
import { recordingConfig } from '../pipeline/helpers.js';
import { indexingConfig, manager, recordAndIndex, waitUntil } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-catchup-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const BATCH_INDEXERS = ['environment-indexer-1', 'organism-indexer-1'];

/** What `evochora index --run` builds from storage, in a directory of its own. */
async function reindexed(storage: FileSystemStorage, runId: string, name: string): Promise<Record<string, unknown[]>> {
  const fresh = new SqliteIndexDatabase(name, { directory: join(dir, name) });
  await indexMetadata(storage, fresh, runId);
  await indexStoredBatches(storage, fresh, runId, await storage.listBatches(runId));
  const dump = fresh.openWriter(runId).dump();
  await fresh.close();
  return dump;
}

/** Missing batches per kind, seen through an index handle of its own. */
async function missing(storage: FileSystemStorage, runId: string): Promise<{ environment: number; organism: number }> {
  const db = new SqliteIndexDatabase('check', { directory: join(dir, 'index') });
  try {
    return {
      environment: (await unindexedBatches(storage, db, runId, 'environment')).length,
      organism: (await unindexedBatches(storage, db, runId, 'organism')).length,
    };
  } finally {
    await db.close();
  }
}

function metric(s: ServiceManager, service: string, key: string): number {
  return Number(s.serviceStatus(service).metrics[key]);
}

describe('indexer catch-up at start', () => {
  it('a node stopped while its indexers were behind completes the index at the next start, equal to a full re-index', async () => {
    // First session: the indexers index the first part of the run, then stop; the engine records on and the
    // notifications of the rest die with this session's in-memory topic.
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 150, pauseTicks: [40] } }));
    await sm.startAll();
    const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'PAUSED', 30_000, 'auto-pause');
    const topic = sm.resource('batch-topic') as unknown as { backlog(g: string): number };
    await waitUntil(
      () =>
        metric(sm!, 'environment-indexer-1', 'newest_indexed_tick') >= 0 &&
        topic.backlog('environment') === 0 &&
        topic.backlog('organism') === 0,
      30_000,
      'first batches indexed',
    );
    for (const s of BATCH_INDEXERS) await sm.stop(s);
    sm.resume('simulation-engine');
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 30_000, 'engine to finish');
    const runId = engine.simulationRunId;
    await sm.stopAll();
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const stored = await storage.listBatches(runId);
    expect(stored.at(-1)!.lastTick).toBe(150);
    const behind = await missing(storage, runId);
    expect(behind.environment).toBeGreaterThan(0);
    expect(behind.organism).toBeGreaterThan(0);
    expect(behind.environment).toBeLessThan(stored.length); // the first part was indexed live
    await sm.shutdown();
    sm = undefined;

    // Second session on the same data directory (a new run is recorded too). The batch indexers are paused
    // right after start: their scan has run, nothing is indexed yet, so the backlog shows in the metrics.
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 30 } }));
    for (const s of ['metadata-indexer', ...BATCH_INDEXERS]) {
      sm.start(s);
      if (s !== 'metadata-indexer') sm.pause(s);
    }
    await waitUntil(
      () => BATCH_INDEXERS.every((s) => metric(sm!, s, 'catch_up_scan_done') === 1),
      30_000,
      'catch-up scans',
    );
    expect(metric(sm, 'environment-indexer-1', 'catch_up_batches_pending')).toBe(behind.environment);
    expect(metric(sm, 'organism-indexer-1', 'catch_up_batches_pending')).toBe(behind.organism);
    expect(sm.status().services.find((s) => s.name === 'organism-indexer-1')?.metrics.catch_up_batches_pending).toBe(
      behind.organism,
    );
    for (const s of BATCH_INDEXERS) sm.resume(s);
    for (const s of ['metadata-persistence', 'persistence-1', 'simulation-engine']) sm.start(s);
    await waitUntil(
      () => BATCH_INDEXERS.every((s) => metric(sm!, s, 'catch_up_batches_pending') === 0),
      60_000,
      'catch-up to finish',
    );
    for (const s of BATCH_INDEXERS) {
      expect(metric(sm, s, 'catch_up_batches_indexed') + metric(sm, s, 'catch_up_batches_skipped')).toBe(
        s.startsWith('environment') ? behind.environment : behind.organism,
      );
      expect(metric(sm, s, 'catch_up_batches_failed')).toBe(0);
      expect(sm.serviceStatus(s).metrics.error_count).toBe(0);
    }
    expect(await missing(storage, runId)).toEqual({ environment: 0, organism: 0 });
    const db = sm.resource('index-database') as SqliteIndexDatabase;
    expect(db.openWriter(runId).dump()).toEqual(await reindexed(storage, runId, 'reindex'));

    // The new run of the second session is indexed live as before.
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 30_000, 'second engine');
    const second = (sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId;
    expect(second).not.toBe(runId);
    for (const s of ['metadata-persistence', 'persistence-1']) await sm.stop(s);
    const topic2 = sm.resource('batch-topic') as unknown as { backlog(g: string): number };
    await waitUntil(
      () =>
        topic2.backlog('environment') === 0 &&
        topic2.backlog('organism') === 0 &&
        BATCH_INDEXERS.every((s) => metric(sm!, s, 'catch_up_batches_pending') === 0),
      30_000,
      'second run indexed',
    );
    expect(await missing(storage, second)).toEqual({ environment: 0, organism: 0 });
  }, 120_000);

  it('indexes a run recorded without indexers (metadata and every batch) when indexers start; catchUp=false leaves it alone', async () => {
    sm = await manager(recordingConfig(dir, { engine: { maxTicks: 50 } }));
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 30_000, 'engine');
    await sm.stopAll();
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    const [runId] = await storage.listRunIds();
    await sm.shutdown();
    sm = undefined;

    // catchUp = false: the indexers only follow notifications.
    const off = indexingConfig(dir);
    for (const s of Object.values(off.pipeline.services))
      if (s.className.endsWith('Indexer')) s.options = { ...s.options, catchUp: false };
    sm = await manager(off);
    for (const s of ['metadata-indexer', ...BATCH_INDEXERS]) sm.start(s);
    // Paused right after start: the scan (skipped here) is over before the loop waits, and nothing is pending.
    for (const s of ['metadata-indexer', ...BATCH_INDEXERS]) sm.pause(s);
    await waitUntil(
      () => ['metadata-indexer', ...BATCH_INDEXERS].every((s) => metric(sm!, s, 'catch_up_scan_done') === 1),
      10_000,
      'start',
    );
    for (const s of BATCH_INDEXERS)
      expect([metric(sm, s, 'catch_up_runs'), metric(sm, s, 'catch_up_batches_pending')]).toEqual([0, 0]);
    expect(metric(sm, 'metadata-indexer', 'catch_up_runs_pending')).toBe(0);
    expect(await (sm.resource('index-database') as SqliteIndexDatabase).reader(runId!)).toBeUndefined();
    await sm.shutdown();
    sm = undefined;

    // Default: everything is caught up and equals the re-index.
    sm = await manager(indexingConfig(dir));
    for (const s of ['metadata-indexer', ...BATCH_INDEXERS]) sm.start(s);
    await waitUntil(
      () =>
        metric(sm!, 'metadata-indexer', 'catch_up_runs_indexed') === 1 &&
        BATCH_INDEXERS.every(
          (s) => metric(sm!, s, 'catch_up_scan_done') === 1 && metric(sm!, s, 'catch_up_batches_pending') === 0,
        ),
      60_000,
      'catch-up',
    );
    for (const s of BATCH_INDEXERS) expect(metric(sm, s, 'catch_up_runs')).toBe(1);
    const db = sm.resource('index-database') as SqliteIndexDatabase;
    expect(db.openWriter(runId!).dump()).toEqual(await reindexed(storage, runId!, 'reindex'));
    expect(metric(sm, 'environment-indexer-1', 'newest_indexed_tick')).toBe(50);
    expect(metric(sm, 'organism-indexer-1', 'ticks_indexed')).toBe(51);
  }, 90_000);

  it('a second start finds nothing to catch up once the index is complete', async () => {
    sm = await manager(indexingConfig(dir, { engine: { maxTicks: 40 } }));
    await recordAndIndex(sm);
    await sm.shutdown();
    sm = await manager(indexingConfig(dir));
    for (const s of ['metadata-indexer', ...BATCH_INDEXERS]) {
      sm.start(s);
      sm.pause(s);
    }
    await waitUntil(
      () => ['metadata-indexer', ...BATCH_INDEXERS].every((s) => metric(sm!, s, 'catch_up_scan_done') === 1),
      10_000,
      'scan',
    );
    for (const s of BATCH_INDEXERS) {
      expect(metric(sm, s, 'catch_up_runs')).toBe(0);
      expect(metric(sm, s, 'catch_up_batches_pending')).toBe(0);
    }
    expect(metric(sm, 'metadata-indexer', 'catch_up_runs_pending')).toBe(0);
  }, 60_000);
});
