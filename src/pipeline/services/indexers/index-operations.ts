/**
 * The indexing steps themselves, free of topics and lifecycle, so the indexer services and
 * `evochora index --run` (re-index from storage) share one implementation.
 */
import { OrganismState, SimulationMetadata } from '../../contracts/index.js';
import type { EnvironmentChunkRow, IndexDatabase, OrganismRow, OrganismTickRow } from '../../api/index-database.js';
import type { BatchStorageReader, StoredChunk } from '../../resources/file-system-storage.js';
import { environmentBlobOfEncoded, organismBlobOfEncoded } from '../../resources/index-db/blobs.js';
import { organismSamples } from '../../resources/index-db/wire.js';

/**
 * Batches just read, shared by the indexers of one process: the environment and organism indexers get the
 * same notification at about the same time, so the file is read and decompressed once, not twice.
 */
const recentBatches = new Map<string, { chunks: Promise<StoredChunk[]>; uses: number }>();
const RECENT_BATCHES = 4;

async function readBatch(storage: BatchStorageReader, key: string): Promise<StoredChunk[]> {
  let entry = recentBatches.get(key);
  if (!entry) {
    const chunks = (async () => {
      const out: StoredChunk[] = [];
      for await (const c of storage.readBatchFile(key)) out.push(c);
      return out;
    })();
    entry = { chunks, uses: 0 };
    recentBatches.set(key, entry);
    chunks.catch(() => recentBatches.delete(key));
    while (recentBatches.size > RECENT_BATCHES) recentBatches.delete(recentBatches.keys().next().value as string);
  }
  // One environment and one organism indexer read each batch: after the second read it is not needed again.
  if (++entry.uses >= 2) recentBatches.delete(key);
  return entry.chunks;
}

export async function indexMetadata(storage: BatchStorageReader, db: IndexDatabase, runId: string): Promise<void> {
  const meta = await storage.readMetadata(runId);
  const writer = await db.writer(runId);
  await writer.upsertMetadata({
    runId,
    startTimeMs: Number(meta.startTimeMs),
    samplingInterval: meta.samplingInterval || 1,
    worldShape: [...meta.worldShape],
    toroidal: meta.toroidal,
    simulationMetadata: SimulationMetadata.encode(meta).finish(),
  });
}

export interface IndexedRange {
  readonly firstTick: number;
  readonly lastTick: number;
  readonly chunks: number;
}

/**
 * Indexers run on the node's event loop next to the HTTP API; giving it back between chunks keeps one large
 * batch from stalling API requests for its whole duration.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function indexEnvironmentBatch(storage: BatchStorageReader, db: IndexDatabase, runId: string, key: string): Promise<IndexedRange> {
  const rows: EnvironmentChunkRow[] = [];
  for (const stored of await readBatch(storage, key)) {
    await yieldToEventLoop();
    // Wire-level: the cells are copied once into the blob, never decoded here.
    rows.push({ firstTick: stored.firstTick, lastTick: stored.lastTick, tickCount: stored.tickCount, data: environmentBlobOfEncoded(stored.data) });
  }
  if (rows.length > 0) await (await db.writer(runId)).upsertEnvironmentChunks(rows);
  return { firstTick: rows[0]?.firstTick ?? -1, lastTick: rows[rows.length - 1]?.lastTick ?? -1, chunks: rows.length };
}

export function organismRowOf(s: OrganismState): OrganismRow {
  return {
    organismId: s.organismId,
    parentId: s.parentId < 0 ? null : s.parentId,
    birthTick: Number(s.birthTick),
    programId: s.programId,
    initialPosition: [...(s.initialPosition?.components ?? [])],
    genomeHash: s.genomeHash,
  };
}

export async function indexOrganismBatch(storage: BatchStorageReader, db: IndexDatabase, runId: string, key: string): Promise<IndexedRange> {
  const ticks: OrganismTickRow[] = [];
  const organisms = new Map<number, OrganismRow>();
  let chunks = 0;
  for (const stored of await readBatch(storage, key)) {
    await yieldToEventLoop();
    chunks++;
    // Wire-level: cells are skipped; only the (small) organism states are decoded.
    for (const sample of organismSamples(stored.data)) {
      let alive = 0;
      for (const raw of sample.organisms) {
        const s = OrganismState.decode(raw);
        if (!s.isDead) alive++;
        if (!organisms.has(s.organismId)) organisms.set(s.organismId, organismRowOf(s));
      }
      ticks.push({ tick: sample.tick, organismCount: sample.organisms.length, aliveCount: alive, data: organismBlobOfEncoded(sample.organisms) });
    }
  }
  const sorted = [...organisms.values()].sort((a, b) => a.organismId - b.organismId);
  if (ticks.length > 0) await (await db.writer(runId)).upsertOrganismTicks(ticks, sorted);
  return { firstTick: ticks[0]?.tick ?? -1, lastTick: ticks[ticks.length - 1]?.tick ?? -1, chunks };
}
