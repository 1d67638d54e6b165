/**
 * The indexing steps themselves, free of topics and lifecycle, so the indexer services and
 * `evochora index --run` (re-index from storage) share one implementation.
 */
import { SimulationMetadata, type OrganismState } from '../../contracts/index.js';
import type { EnvironmentChunkRow, IndexDatabase, OrganismRow, OrganismTickRow } from '../../api/index-database.js';
import type { BatchStorageReader } from '../../resources/file-system-storage.js';
import { encodeEnvironmentBlob, encodeOrganismBlob } from '../../resources/index-db/blobs.js';

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

export async function indexEnvironmentBatch(storage: BatchStorageReader, db: IndexDatabase, runId: string, key: string): Promise<IndexedRange> {
  const rows: EnvironmentChunkRow[] = [];
  for await (const stored of storage.readBatchFile(key)) {
    const chunk = storage.decodeChunk(stored);
    rows.push({ firstTick: stored.firstTick, lastTick: stored.lastTick, tickCount: stored.tickCount, data: encodeEnvironmentBlob(chunk) });
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
  const addSample = (tick: number, states: OrganismState[]): void => {
    let alive = 0;
    for (const s of states) {
      if (!s.isDead) alive++;
      if (!organisms.has(s.organismId)) organisms.set(s.organismId, organismRowOf(s));
    }
    ticks.push({ tick, organismCount: states.length, aliveCount: alive, data: encodeOrganismBlob(states) });
  };
  for await (const stored of storage.readBatchFile(key)) {
    const chunk = storage.decodeChunk(stored);
    chunks++;
    if (chunk.snapshot) addSample(Number(chunk.snapshot.tickNumber), chunk.snapshot.organisms as OrganismState[]);
    for (const d of chunk.deltas) addSample(Number(d.tickNumber), d.organisms as OrganismState[]);
  }
  const sorted = [...organisms.values()].sort((a, b) => a.organismId - b.organismId);
  if (ticks.length > 0) await (await db.writer(runId)).upsertOrganismTicks(ticks, sorted);
  return { firstTick: ticks[0]?.tick ?? -1, lastTick: ticks[ticks.length - 1]?.tick ?? -1, chunks };
}
