/**
 * The indexing steps themselves, free of topics and lifecycle, so the indexer services and
 * `evochora index --run` (re-index from storage) share one implementation.
 */
import { OrganismState, SimulationMetadata, TickDataChunk } from '../../contracts/index.js';
import { organismSamplesOf } from '../../contracts/organism-timeline.js';
import {
  withTransientReader,
  type EnvironmentChunkRow,
  type IndexDatabase,
  type OrganismRow,
  type OrganismTickRow,
  type RunIndexReader,
} from '../../api/index-database.js';
import {
  releaseChunks,
  type BatchFileInfo,
  type BatchStorageReader,
  type StoredChunk,
} from '../../api/batch-storage.js';
import { environmentBlobOfEncoded, organismBlobOfEncoded, organismChunkBlob } from '../../api/index-blobs.js';
import type { OrganismChunkRow } from '../../resources/index-db/sqlite-index-database.js';
import { forEachNewOrganism, organismsOnlyChunk } from '../../contracts/chunk-fields.js';
import { eachField } from '../../contracts/wire-walk.js';
import { newVitals, readVitals } from '../../analytics/organism-vitals.js';
import { chunkRefBlob, chunkSourceOf } from '../../api/chunk-refs.js';

/**
 * Batches just read, shared by the indexers of one process: the environment and organism indexers get the
 * same notification at about the same time, so the file is read and decompressed once, not twice.
 */
interface RecentBatch {
  readonly chunks: Promise<StoredChunk[]>;
  uses: number;
}
const recentBatches = new Map<string, RecentBatch>();
const RECENT_BATCHES = 2;

/** A batch's chunks and the reader's shares of those in reused memory (StoredChunk.lease). */
interface BatchRead {
  readonly chunks: readonly StoredChunk[];
  /** Call once the chunks' bytes (and views into them) are no longer needed. */
  release(): void;
}

async function readBatch(storage: BatchStorageReader, key: string): Promise<BatchRead> {
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
    while (recentBatches.size > RECENT_BATCHES) forget(recentBatches.keys().next().value as string);
  }
  // The caller's shares are taken in a reaction registered now, before the entry's own shares can be let go
  // (a promise runs its reactions in the order they were registered).
  const mine = entry.chunks.then((chunks) => ({ chunks, shares: chunks.map((c) => c.lease?.retain()) }));
  // One environment and one organism indexer read each batch: after the second read it is not needed again.
  if (++entry.uses >= 2) forget(key);
  const { chunks, shares } = await mine;
  return {
    chunks,
    release: () => {
      for (const s of shares) s?.release();
    },
  };
}

/** Drops a batch from recentBatches and lets go of its shares once it is read. */
function forget(key: string): void {
  const entry = recentBatches.get(key);
  if (!entry) return;
  recentBatches.delete(key);
  entry.chunks.then(
    (chunks) => releaseChunks(chunks),
    () => undefined,
  );
}

/** The storage whose chunks each database's references point into (attached once per pair). */
const attachedSources = new WeakMap<IndexDatabase, BatchStorageReader>();

/**
 * Whether the index keeps references to stored chunks rather than copies: when the engine can (SQLite) and the
 * storage reads single chunks (file system, format 3 on). The database is then told where to read them.
 */
function keepsReferences(storage: BatchStorageReader, db: IndexDatabase): boolean {
  if (typeof storage.readChunkFrame !== 'function' || typeof db.attachChunkSource !== 'function') return false;
  if (attachedSources.get(db) !== storage) {
    db.attachChunkSource(chunkSourceOf(storage));
    attachedSources.set(db, storage);
  }
  return true;
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
  /** Sampled ticks indexed. */
  readonly ticks: number;
}

/**
 * Indexers run on the node's event loop next to the HTTP API; giving it back between chunks keeps one large
 * batch from stalling API requests for its whole duration.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function indexEnvironmentBatch(
  storage: BatchStorageReader,
  db: IndexDatabase,
  runId: string,
  key: string,
): Promise<IndexedRange> {
  const rows: EnvironmentChunkRow[] = [];
  const references = keepsReferences(storage, db);
  const batch = await readBatch(storage, key);
  try {
    for (const stored of batch.chunks) {
      // A reference costs nothing to make; a copy is cut and compressed on this thread.
      if (!(references && stored.frame)) await yieldToEventLoop();
      rows.push({
        firstTick: stored.firstTick,
        lastTick: stored.lastTick,
        tickCount: stored.tickCount,
        // Wire-level: the cells are copied once into the blob, never decoded here.
        data:
          references && stored.frame ? chunkRefBlob(stored.key, stored.frame) : environmentBlobOfEncoded(stored.data),
      });
    }
  } finally {
    batch.release();
  }
  if (rows.length > 0) await (await db.writer(runId)).upsertEnvironmentChunks(rows);
  let ticks = 0;
  for (const r of rows) ticks += r.tickCount;
  return {
    firstTick: rows[0]?.firstTick ?? -1,
    lastTick: rows[rows.length - 1]?.lastTick ?? -1,
    chunks: rows.length,
    ticks,
  };
}

/** The fields of an organism its static row is made of (an OrganismState has them, and so do OrganismVitals). */
interface StaticFields {
  readonly organismId: number;
  readonly parentId: number;
  readonly birthTick: number | { toString(): string };
  readonly programId: string;
  readonly initialPosition?: { readonly components?: readonly number[] | null } | null;
  readonly genomeHash: string;
}

export function organismRowOf(s: StaticFields): OrganismRow {
  return {
    organismId: s.organismId,
    parentId: s.parentId < 0 ? null : s.parentId,
    birthTick: Number(s.birthTick),
    programId: s.programId,
    initialPosition: [...(s.initialPosition?.components ?? [])],
    genomeHash: s.genomeHash,
  };
}

/**
 * The static row of organism `id` from its bytes: an OrganismState, or an OrganismDelta holding its state (field 3);
 * undefined for a delta without one. Only the row's fields are read (organism-vitals.ts): a full decode of every
 * organism a batch mentions was most of what the organism indexer allocated.
 */
export function staticRowOf(id: number, raw: Uint8Array, isDelta: boolean): OrganismRow | undefined {
  let from = 0;
  let end = raw.length;
  if (isDelta) {
    from = -1;
    eachField(raw, 0, raw.length, (n, wt, start, stop) => {
      if (n !== 3 || wt !== 2) return false;
      from = start;
      end = stop;
      return true;
    });
    if (from < 0) return undefined;
  }
  const v = newVitals(id);
  readVitals(raw, from, end, v);
  v.organismId = id; // a delta's state need not repeat it
  return organismRowOf(v);
}

/** Writers that store organisms per chunk (SqliteRunIndex); others get one row per tick. */
interface OrganismChunkWriter {
  upsertOrganismChunks(chunks: readonly OrganismChunkRow[], organisms: readonly OrganismRow[]): Promise<void>;
}

export async function indexOrganismBatch(
  storage: BatchStorageReader,
  db: IndexDatabase,
  runId: string,
  key: string,
  options: BatchIndexOptions = {},
): Promise<IndexedRange> {
  const writer = await db.writer(runId);
  const chunked =
    typeof (writer as Partial<OrganismChunkWriter>).upsertOrganismChunks === 'function'
      ? (writer as unknown as OrganismChunkWriter)
      : undefined;
  const ticks: OrganismTickRow[] = [];
  const chunkRows: OrganismChunkRow[] = [];
  const organisms = new Map<number, OrganismRow>();
  const referenceUpTo =
    options.organismReferences === true
      ? Infinity
      : (options.organismReferenceChunkBytes ?? DEFAULT_ORGANISM_REFERENCE_CHUNK_BYTES);
  const references = chunked !== undefined && referenceUpTo > 0 && keepsReferences(storage, db);
  let chunks = 0;
  let sampleCount = 0;
  let firstTick = -1;
  let lastTick = -1;
  const batch = await readBatch(storage, key);
  try {
    for (const stored of batch.chunks) {
      await yieldToEventLoop();
      chunks++;
      // Wire-level: cells, RNG, plugin states and the checkpoint are cut away; a state is decoded only the first
      // time the batch mentions its organism, for the static row.
      const frame = references && stored.data.length <= referenceUpTo ? stored.frame : undefined;
      // A view into a shared buffer, used up synchronously below (scanned, then compressed or decoded); with a
      // reference the whole chunk is scanned (the scan skips cells) and nothing is cut.
      const slim = frame ? stored.data : organismsOnlyChunk(stored.data, true);
      forEachNewOrganism(slim, organisms, (id, raw, isDelta) => {
        const row = staticRowOf(id, raw, isDelta);
        if (row) organisms.set(id, row);
      });
      if (firstTick < 0) firstTick = stored.firstTick;
      lastTick = stored.lastTick;
      sampleCount += stored.tickCount;
      // SQLite keeps the chunk's organisms as stored (snapshot + deltas) and rebuilds a sample when it is read.
      if (chunked)
        chunkRows.push({
          firstTick: stored.firstTick,
          lastTick: stored.lastTick,
          data: frame ? chunkRefBlob(stored.key, frame) : organismChunkBlob(slim, options.organismBlobLevel),
        });
      else {
        // Other engines keep one row of full states per sampled tick.
        for (const sample of organismSamplesOf(TickDataChunk.decode(slim))) {
          let alive = 0;
          for (const o of sample.organisms) if (!o.isDead) alive++;
          ticks.push({
            tick: sample.tick,
            organismCount: sample.organisms.length,
            aliveCount: alive,
            data: organismBlobOfEncoded(sample.organisms.map((o) => OrganismState.encode(o).finish())),
          });
        }
      }
    }
    const sorted = [...organisms.values()].sort((a, b) => a.organismId - b.organismId);
    if (chunked) {
      if (chunkRows.length > 0) await chunked.upsertOrganismChunks(chunkRows, sorted);
    } else if (ticks.length > 0) await writer.upsertOrganismTicks(ticks, sorted);
  } finally {
    // After the rows are written: a kept copy may still be a view into the chunk until then.
    batch.release();
  }
  return { firstTick, lastTick, chunks, ticks: sampleCount };
}

/** What a batch indexer takes from a batch: its cells (environment) or its organisms. */
export type BatchKind = 'environment' | 'organism';

/** How a batch is indexed (the indexers' options). */
export interface BatchIndexOptions {
  /** zstd level of the organism chunk blobs (default 1; see organismChunkBlob). */
  readonly organismBlobLevel?: number;
  /**
   * Organisms of every chunk as references to the stored chunks instead of compressed copies (default false): the
   * index shrinks to a few bytes per tick, and reading a tick's organisms decompresses its whole chunk, cells
   * included.
   */
  readonly organismReferences?: boolean;
  /**
   * Otherwise, chunks of up to this many bytes (before compression) are referenced and larger ones copied
   * (default DEFAULT_ORGANISM_REFERENCE_CHUNK_BYTES; 0: copies only).
   */
  readonly organismReferenceChunkBytes?: number;
}

/**
 * Up to this size a chunk's organisms are referenced, not copied. Reading a tick's organisms through a
 * reference decompresses the whole chunk: ~4 MB in a mature default world of 1,000-sample chunks (a few ms), but
 * ~15 MB in a dense 2048×1152 world, where a copy of the organisms alone reads several times faster. A copy costs
 * the node's main thread a cut and a compression per chunk and the index as many bytes again as the organisms take
 * in storage (a mature default world's index grew from 1 to 23-35 B/tick when its chunks crossed 4 MiB).
 */
export const DEFAULT_ORGANISM_REFERENCE_CHUNK_BYTES = 8 * 1024 * 1024;

export function indexBatchOfKind(
  kind: BatchKind,
  storage: BatchStorageReader,
  db: IndexDatabase,
  runId: string,
  key: string,
  options: BatchIndexOptions = {},
): Promise<IndexedRange> {
  return kind === 'environment'
    ? indexEnvironmentBatch(storage, db, runId, key)
    : indexOrganismBatch(storage, db, runId, key, options);
}

/** Point look-ups an index reader may offer (SqliteRunIndex does) so a check does not load blobs. */
interface IndexedLookups {
  hasEnvironmentChunk(firstTick: number, lastTick: number): boolean;
  hasOrganismTick(tick: number): boolean;
}

function lookupsOf(reader: RunIndexReader): IndexedLookups | undefined {
  const r = reader as Partial<IndexedLookups>;
  return typeof r.hasEnvironmentChunk === 'function' && typeof r.hasOrganismTick === 'function'
    ? (r as IndexedLookups)
    : undefined;
}

/**
 * Whether a stored batch is completely in the index for `kind`. A batch is upserted in one transaction, so
 * its first and last tick being present means all of it is: for cells a chunk starting at the batch's first
 * tick and one ending at its last tick, for organisms the rows of both ticks.
 */
export async function isBatchIndexed(
  reader: RunIndexReader,
  kind: BatchKind,
  batch: Pick<BatchFileInfo, 'firstTick' | 'lastTick'>,
): Promise<boolean> {
  const fast = lookupsOf(reader);
  if (kind === 'environment') {
    if (fast) return fast.hasEnvironmentChunk(batch.firstTick, batch.lastTick);
    const first = await reader.environmentChunkContaining(batch.firstTick);
    first?.chunkLease?.release();
    const last = await reader.environmentChunkContaining(batch.lastTick);
    last?.chunkLease?.release();
    return first?.firstTick === batch.firstTick && last?.lastTick === batch.lastTick;
  }
  if (fast) return fast.hasOrganismTick(batch.firstTick) && fast.hasOrganismTick(batch.lastTick);
  return (
    (await reader.organismTick(batch.firstTick)) !== undefined &&
    (await reader.organismTick(batch.lastTick)) !== undefined
  );
}

/** The run's stored batches (ascending) that are not (completely) indexed for `kind`. */
export async function unindexedBatches(
  storage: BatchStorageReader,
  db: IndexDatabase,
  runId: string,
  kind: BatchKind,
): Promise<BatchFileInfo[]> {
  const batches = await storage.listBatches(runId);
  return withTransientReader(db, runId, (reader) =>
    reader ? missingBatches(reader, batches, kind) : Promise.resolve(batches),
  );
}

async function missingBatches(
  reader: RunIndexReader,
  batches: readonly BatchFileInfo[],
  kind: BatchKind,
): Promise<BatchFileInfo[]> {
  if (lookupsOf(reader)) {
    const out: BatchFileInfo[] = [];
    for (const b of batches) if (!(await isBatchIndexed(reader, kind, b))) out.push(b);
    return out;
  }
  // Other engines: one query for all chunk ranges rather than two blob loads per batch; for organisms the
  // tick range rules out what lies outside it, and only batches inside it are checked tick by tick.
  if (kind === 'environment') {
    const ranges = await reader.environmentChunkRanges();
    const firsts = new Set(ranges.map((r) => r.minTick));
    const lasts = new Set(ranges.map((r) => r.maxTick));
    return batches.filter((b) => !(firsts.has(b.firstTick) && lasts.has(b.lastTick)));
  }
  const range = await reader.organismTickRange();
  const out: BatchFileInfo[] = [];
  for (const b of batches) {
    if (!range || b.lastTick < range.minTick || b.firstTick > range.maxTick || !(await isBatchIndexed(reader, kind, b)))
      out.push(b);
  }
  return out;
}

/** Whether the run's metadata is in the index. */
export async function isMetadataIndexed(db: IndexDatabase, runId: string): Promise<boolean> {
  return withTransientReader(db, runId, async (reader) => (await reader?.metadata()) !== undefined);
}

export interface StoredRunIndexResult {
  readonly batches: number;
  readonly chunks: number;
  readonly skipped: number;
}

/**
 * Indexes stored batches of a run for the given kinds, batch by batch in tick order (what `evochora index`
 * runs). With `onlyMissing`, batches already indexed for a kind are skipped for it.
 */
export async function indexStoredBatches(
  storage: BatchStorageReader,
  db: IndexDatabase,
  runId: string,
  batches: readonly BatchFileInfo[],
  options: {
    kinds?: readonly BatchKind[];
    onlyMissing?: boolean;
    signal?: AbortSignal;
    onBatch?: (done: number, total: number) => void;
    /** How batches are written (the indexers' options; default: theirs). */
    batch?: BatchIndexOptions;
  } = {},
): Promise<StoredRunIndexResult> {
  const kinds = options.kinds ?? (['environment', 'organism'] as const);
  let chunks = 0;
  let skipped = 0;
  let done = 0;
  for (const b of batches) {
    if (options.signal?.aborted) break;
    let batchChunks = 0;
    for (const kind of kinds) {
      const reader = options.onlyMissing ? await db.reader(runId) : undefined;
      if (reader && (await isBatchIndexed(reader, kind, b))) {
        skipped++;
        continue;
      }
      const r = await indexBatchOfKind(kind, storage, db, runId, b.key, options.batch);
      batchChunks = Math.max(batchChunks, r.chunks);
    }
    chunks += batchChunks;
    options.onBatch?.(++done, batches.length);
  }
  return { batches: done, chunks, skipped };
}
