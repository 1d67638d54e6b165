/**
 * The AnalyticsIndexer in a recording pipeline: it writes Parquet that DuckDB reads with one row per sampled
 * tick; the API's numbers equal SQL's; a run recorded without it is caught up when it starts (and by
 * `index --only analytics`'s steps), to the same numbers; redelivered notifications add nothing; an unknown
 * plugin stops the configuration before anything starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvochoraConfig } from '../../../src/config/config-schema.js';
import { BatchInfo } from '../../../src/pipeline/contracts/index.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { analyzeStoredBatches, unanalyzedBatches } from '../../../src/pipeline/analytics/analytics-operations.js';
import { METRIC_PLUGINS } from '../../../src/pipeline/analytics/plugin-catalogue.js';
import { AnalyzerService } from '../../../src/analyzer/analyzer-service.js';
import { indexingConfig, manager, waitUntil } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
const analyzers: AnalyzerService[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-analytics-'));
});
afterEach(async () => {
  for (const a of analyzers.splice(0)) a.close();
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const TICKS = 3_000;

function withAnalytics(config: EvochoraConfig, options: Record<string, unknown> = {}): EvochoraConfig {
  const p = config.pipeline;
  p.services['analytics-indexer-1'] = {
    className: 'AnalyticsIndexer',
    resources: {
      topic: 'topic-read:batch-topic?consumerGroup=analytics',
      storage: 'storage-read:tick-storage',
      analytics: 'analytics-write:tick-storage',
      dlq: 'queue-out:indexer-dlq',
    },
    options: {
      pollTimeoutMs: 50,
      flushIntervalMs: 200,
      maxPartSamples: 1000,
      resolution: 'every-sample',
      lodFactors: [10, 100, 1000, 10000],
      ...options,
    },
  };
  p.startupSequence = ['analytics-indexer-1', ...p.startupSequence];
  return config;
}

function configOf(analytics: boolean): EvochoraConfig {
  const c = indexingConfig(dir, { engine: { maxTicks: TICKS, samplingInterval: 1 } });
  return analytics ? withAnalytics(c) : c;
}

async function recorded(s: ServiceManager): Promise<string> {
  await s.startAll();
  const engine = s.instanceOf('simulation-engine') as SimulationEngine;
  await waitUntil(() => s.stateOf('simulation-engine') === 'STOPPED', 60_000, 'engine to finish');
  for (const name of s.serviceNames()) if (name.startsWith('persistence-')) await s.stop(name);
  return engine.simulationRunId;
}

function analyzer(): AnalyzerService {
  const storage = new FileSystemStorage('read', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
  const a = new AnalyzerService(storage, undefined, storage);
  analyzers.push(a);
  return a;
}

async function totals(a: AnalyzerService, runId: string): Promise<unknown[]> {
  const r = await a.query(
    runId,
    'SELECT count(*), count(DISTINCT tick), min(tick), max(tick), sum(alive), sum(born), sum(died) FROM population',
  );
  const e = await a.query(runId, 'SELECT sum(code_cells), sum(energy_in_world) FROM environment');
  const b = await a.query(runId, 'SELECT count(*) FROM births');
  return [...r.rows[0]!, ...e.rows[0]!, b.rows[0]![0]];
}

describe('AnalyticsIndexer', () => {
  it('writes Parquet with one row per sampled tick; API, SQL and a rebuild from storage agree', async () => {
    sm = await manager(configOf(true));
    const runId = await recorded(sm);
    const topic = sm.resource('batch-topic') as unknown as { backlog(g: string): number };
    await waitUntil(() => topic.backlog('analytics') === 0, 60_000, 'analytics to catch up');
    await sm.stop('analytics-indexer-1'); // writes the open part
    const storage = sm.resource('tick-storage') as FileSystemStorage;
    expect(await unanalyzedBatches(storage, storage, runId)).toEqual([]);

    const a = analyzer();
    const t = await totals(a, runId);
    // Ticks 0..TICKS, every one sampled, each once.
    expect(t.slice(0, 4)).toEqual([TICKS + 1, TICKS + 1, 0, TICKS]);
    expect(t[4]).toBeGreaterThan(0);
    expect(t[9]).toBe(2); // the two organisms the configuration places

    // Every table of every plugin, at every level, is there and DuckDB reads it.
    const manifest = await a.manifest(runId);
    expect(manifest.tables.map((x) => x.id).sort()).toEqual(METRIC_PLUGINS.map((p) => p.id).sort());
    for (const table of manifest.tables)
      if (table.kind === 'per-tick') expect(table.levels.map((l) => l.level)).toEqual([1, 10, 100, 1000, 10000]);

    // Generations: the two placed organisms are generation 0 and nobody's lineage is unknown.
    const gen = await a.query(runId, 'SELECT max(generation_max), sum(generation_unknown) FROM generation');
    expect(gen.rows[0]).toEqual([0, 0]);
    expect((await a.query(runId, 'SELECT count(*) FROM births WHERE generation = 0')).rows[0]![0]).toBe(2);

    // A genotype's genome, disassembled from the stored tick where its first organism appears.
    const hash = (await a.query(runId, 'SELECT genome_hash FROM births LIMIT 1')).rows[0]![0] as string;
    const genome = await a.genome(runId, hash);
    expect(genome.tick).toBe(0);
    expect(genome.cells.length).toBeGreaterThan(3);
    expect(genome.text.split('\n')).toHaveLength(genome.cells.length);
    await expect(a.genome(runId, 'ffffffffffffffff')).rejects.toMatchObject({ code: 'ANALYTICS_TABLE_NOT_FOUND' });

    // The API's series is SQL's.
    const m = await a.metric(runId, 'population', { level: 1, columns: ['alive'] });
    const sql = await a.query(runId, 'SELECT tick, alive FROM population ORDER BY tick');
    expect(m.data[0]).toEqual(sql.rows.map((r) => r[0]));
    expect(m.data[1]).toEqual(sql.rows.map((r) => r[1]));
    const coarse = await a.metric(runId, 'population', { points: 40 });
    expect(coarse.level).toBe(100);
    expect(coarse.data[0]).toHaveLength(31);

    // Rebuilt from storage (what `evochora index --only analytics` runs) into another root: the same numbers.
    const copy = new FileSystemStorage('copy', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
    const other = join(dir, 'rebuilt');
    const target = new FileSystemStorage('rebuilt', { rootDirectory: other, compressInWorker: false });
    // In two calls, as a node restarted mid-run would: the second continues the lineage from the first's parts.
    const all = await copy.listBatches(runId);
    const half = Math.floor(all.length / 2);
    for (const some of [all.slice(0, half), all.slice(half)])
      await analyzeStoredBatches(copy, target, runId, some, {
        plugins: METRIC_PLUGINS,
        lodFactors: [10, 100, 1000, 10000],
        maxPartSamples: 100_000,
        resolution: 'every-sample',
      });
    const b = new AnalyzerService(target);
    analyzers.push(b);
    expect(await totals(b, runId)).toEqual(t);
    expect((await b.query(runId, 'SELECT sum(generation_unknown) FROM generation')).rows[0]![0]).toBe(0);
  }, 120_000);

  it('catches up a run recorded without it, and a redelivered notification adds nothing', async () => {
    sm = await manager(configOf(false));
    const runId = await recorded(sm);
    await sm.shutdown();
    sm = undefined;
    const storage = new FileSystemStorage('s', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
    const batches = await storage.listBatches(runId);
    expect(batches.length).toBeGreaterThan(1);
    expect(await unanalyzedBatches(storage, storage, runId)).toHaveLength(batches.length);

    // A node with the analytics indexer starts: its catch-up analyses every stored batch.
    const c = withAnalytics(indexingConfig(dir, { engine: { maxTicks: 1, samplingInterval: 1 } }));
    c.pipeline.startupSequence = ['analytics-indexer-1'];
    sm = await manager(c);
    await sm.startAll();
    await waitUntil(
      async () => (await unanalyzedBatches(storage, storage, runId)).length === 0,
      60_000,
      'catch-up of the stored run',
    );
    const a = analyzer();
    const before = await totals(a, runId);
    expect(before.slice(0, 4)).toEqual([TICKS + 1, TICKS + 1, 0, TICKS]);

    // The same batch announced again (a redelivery after a crash): already covered, skipped.
    const topic = sm.resource('batch-topic') as unknown as { publish(m: BatchInfo): void };
    const b = batches[0]!;
    topic.publish(
      BatchInfo.create({ simulationRunId: runId, storageKey: b.key, tickStart: b.firstTick, tickEnd: b.lastTick }),
    );
    await waitUntil(
      () => Number(sm!.serviceStatus('analytics-indexer-1').metrics.analytics_batches_skipped) >= 1,
      30_000,
      'the redelivered batch to be skipped',
    );
    await sm.stop('analytics-indexer-1');
    const again = analyzer();
    expect(await totals(again, runId)).toEqual(before);
  }, 120_000);

  it('refuses an unknown plugin before anything starts', async () => {
    await expect(
      manager(withAnalytics(configOf(false), { plugins: ['population', 'no-such-plugin'] })),
    ).rejects.toThrow(/no-such-plugin/);
  });
});
