/**
 * The analytics steps free of topics and lifecycle, shared by the AnalyticsIndexer and `evochora index`:
 * which stored batches a run's analytics lack, and building and writing parts.
 */
import type { AnalyticsReader, AnalyticsStore, AnalyticsWriter } from '../api/analytics-store.js';
import { releaseChunks, type BatchFileInfo, type BatchStorageReader, type StoredChunk } from '../api/batch-storage.js';
import type { AnalyticsResolution, RunFacts } from './analytics-samples.js';
import { AnalyticsPart } from './analytics-part.js';
import type { MetricPlugin } from './metric-plugin.js';
import { readPartManifests } from './part-manifest.js';
import { Lineage } from './lineage.js';
import { readParquetRows } from './parquet-table.js';

/** What a run's analytics need to know of the run (from its stored metadata). */
export async function runFactsOf(storage: BatchStorageReader, runId: string): Promise<RunFacts> {
  const meta = await storage.readMetadata(runId);
  return { runId, samplingInterval: meta.samplingInterval || 1, worldShape: [...meta.worldShape] };
}

/**
 * The lineage of a run as far as its written parts go: births in order, then the deaths removed, so that
 * analysing the batches after them continues the generations (a node restarted mid-run, `index` of the rest).
 */
export async function lineageOf(store: AnalyticsReader, runId: string): Promise<Lineage> {
  const lineage = new Lineage();
  const births: Array<{ id: number; parent: number | null; tick: number }> = [];
  const deaths: number[] = [];
  for (const m of await readPartManifests(store, runId))
    for (const f of m.files) {
      if (f.level !== 1 || (f.table !== 'births' && f.table !== 'deaths') || f.rows === 0) continue;
      const bytes = await store.readAnalyticsFile(runId, f.path);
      if (!bytes) continue;
      const rows = await readParquetRows(
        bytes,
        f.table === 'births' ? ['organism_id', 'parent_id', 'tick'] : ['organism_id'],
      );
      if (f.table === 'births')
        for (const r of rows)
          births.push({
            id: Number(r.organism_id),
            parent: r.parent_id === null ? null : Number(r.parent_id),
            tick: Number(r.tick),
          });
      else for (const r of rows) deaths.push(Number(r.organism_id));
    }
  births.sort((a, b) => a.tick - b.tick || a.id - b.id);
  for (const b of births) lineage.born(b.id, b.parent);
  for (const id of deaths) lineage.died(id);
  return lineage;
}

/** Keys of the stored batches that a written part of the run's analytics covers. */
export async function analyzedBatchKeys(store: AnalyticsReader, runId: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const m of await readPartManifests(store, runId)) for (const b of m.batches) keys.add(b.key);
  return keys;
}

/** The run's stored batches (ascending) that no analytics part covers. */
export async function unanalyzedBatches(
  storage: BatchStorageReader,
  store: AnalyticsReader,
  runId: string,
): Promise<BatchFileInfo[]> {
  const done = await analyzedBatchKeys(store, runId);
  return (await storage.listBatches(runId)).filter((b) => !done.has(b.key));
}

/** A stored batch's chunks; give them back with releaseChunks once their bytes are used. */
export async function readStoredBatch(storage: BatchStorageReader, key: string): Promise<StoredChunk[]> {
  const out: StoredChunk[] = [];
  for await (const c of storage.readBatchFile(key)) out.push(c);
  return out;
}

/** Writes a part: its table files first, its manifest last (only then does the part exist for readers). */
export async function writePart(
  store: AnalyticsWriter,
  part: AnalyticsPart,
): Promise<{ files: number; bytes: number }> {
  const files = await part.files();
  let bytes = 0;
  for (const f of files) {
    await store.writeAnalyticsFile(part.run.runId, f.path, f.bytes);
    bytes += f.bytes.length;
  }
  return { files: files.length, bytes };
}

export interface AnalyzeOptions {
  readonly plugins: readonly MetricPlugin[];
  readonly lodFactors: readonly number[];
  readonly resolution?: AnalyticsResolution;
  /** A part is written once it holds this many samples. */
  readonly maxPartSamples: number;
  readonly signal?: AbortSignal;
  readonly onBatch?: (done: number, total: number) => void;
}

/** Builds and writes the analytics of the given stored batches of a run (ascending), part by part. */
export async function analyzeStoredBatches(
  storage: BatchStorageReader,
  store: AnalyticsStore,
  runId: string,
  batches: readonly BatchFileInfo[],
  options: AnalyzeOptions,
): Promise<{ batches: number; parts: number; bytes: number }> {
  const facts = await runFactsOf(storage, runId);
  const lineage = await lineageOf(store, runId);
  let part = new AnalyticsPart(facts, options.plugins, options.lodFactors, options.resolution, lineage);
  let parts = 0;
  let bytes = 0;
  let done = 0;
  for (const b of batches) {
    if (options.signal?.aborted) break;
    const chunks = await readStoredBatch(storage, b.key);
    part.addBatch(b.key, chunks); // measured as it is walked: nothing of the bytes is kept
    releaseChunks(chunks);
    options.onBatch?.(++done, batches.length);
    if (part.samples >= options.maxPartSamples) {
      bytes += (await writePart(store, part)).bytes;
      parts++;
      part = new AnalyticsPart(facts, options.plugins, options.lodFactors, options.resolution, lineage);
    }
  }
  if (part.batchCount > 0) {
    bytes += (await writePart(store, part)).bytes;
    parts++;
  }
  return { batches: done, parts, bytes };
}
