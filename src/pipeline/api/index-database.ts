/**
 * The index database: what the indexers write and the visualizer API reads, one logical database per run
 * (SQLite: one file per run; PostgreSQL: one schema per run).
 *
 * Engine-neutral contract for implementations:
 * - Tables (plain SQL types; BLOB = bytea in PostgreSQL):
 *     metadata           (key TEXT PRIMARY KEY, value BLOB NOT NULL)
 *     environment_chunks (first_tick BIGINT PRIMARY KEY, last_tick BIGINT NOT NULL, tick_count INT NOT NULL,
 *                         data BLOB NOT NULL)            + index on last_tick
 *     organisms          (organism_id INT PRIMARY KEY, parent_id INT NULL, birth_tick BIGINT NOT NULL,
 *                         program_id TEXT NOT NULL, initial_position TEXT NOT NULL, genome_hash TEXT NOT NULL)
 *                                                 + index on (birth_tick, organism_id)
 *     organism_ticks     (tick BIGINT PRIMARY KEY, organism_count INT NOT NULL, alive_count INT NOT NULL,
 *                         data BLOB NOT NULL)
 * - Every write is an idempotent upsert by the natural key (`INSERT … ON CONFLICT (key) DO UPDATE`), so a
 *   redelivered notification or a re-index leaves the database exactly as it was. One call = one transaction.
 * - Blobs are opaque to the database: their codecs live in src/pipeline/api/index-blobs.ts.
 * - Everything is async so networked engines fit; an embedded engine may resolve at once.
 */
import type { OrganismState } from '../contracts/index.js';
import type { OrganismBrief } from '../contracts/organism-brief.js';
import type { ChunkSource } from './chunk-refs.js';
import type { ChunkLease } from './chunk-lease.js';

/** Summary of a run, from its `metadata` rows. */
export interface RunMetadataRow {
  readonly runId: string;
  readonly startTimeMs: number;
  readonly samplingInterval: number;
  readonly worldShape: readonly number[];
  readonly toroidal: boolean;
  /** The run's SimulationMetadata, protobuf-encoded as the engine wrote it. */
  readonly simulationMetadata: Uint8Array;
}

/**
 * The cells of one stored chunk: a compressed copy (snapshot + deltas, organisms removed; index-blobs.ts) or a
 * reference to the chunk in storage (chunk-refs.ts), which readers resolve into `chunk`.
 */
export interface EnvironmentChunkRow {
  readonly firstTick: number;
  readonly lastTick: number;
  readonly tickCount: number;
  readonly data: Uint8Array;
  /** The stored chunk itself (all its fields), when `data` is a reference and the reader resolved it. */
  readonly chunk?: Uint8Array;
  /** The resolved chunk's cell columns are still byte planes (see ChunkSource). */
  readonly chunkPlanedColumns?: boolean;
  /** The caller's share of `chunk` when it lies in a reused buffer: release it once the bytes are not needed. */
  readonly chunkLease?: ChunkLease;
}

/** What never changes about an organism. */
export interface OrganismRow {
  readonly organismId: number;
  /** null for organisms placed by the configuration. */
  readonly parentId: number | null;
  readonly birthTick: number;
  readonly programId: string;
  readonly initialPosition: readonly number[];
  readonly genomeHash: string;
}

/** Every organism's state at one sampled tick, as one compressed blob; see blobs.ts. */
export interface OrganismTickRow {
  readonly tick: number;
  readonly organismCount: number;
  readonly aliveCount: number;
  readonly data: Uint8Array;
  /** The states `data` holds, decoded, when the reader had to decode them anyway (never stored). */
  readonly states?: readonly OrganismState[];
}

export interface TickRange {
  readonly minTick: number;
  readonly maxTick: number;
}

/** The write side of one run (`db-meta-write`, `db-env-write`, `db-organism-write` bindings use it). */
export interface RunIndexWriter {
  readonly runId: string;
  upsertMetadata(row: RunMetadataRow): Promise<void>;
  upsertEnvironmentChunks(rows: readonly EnvironmentChunkRow[]): Promise<void>;
  /** Ticks and the static rows of the organisms they mention, in one transaction. */
  upsertOrganismTicks(ticks: readonly OrganismTickRow[], organisms: readonly OrganismRow[]): Promise<void>;
}

/** The read side of one run. */
export interface RunIndexReader {
  readonly runId: string;
  metadata(): Promise<RunMetadataRow | undefined>;
  environmentTickRange(): Promise<TickRange | undefined>;
  organismTickRange(): Promise<TickRange | undefined>;
  /** The chunk whose [firstTick, lastTick] holds `tick`. */
  environmentChunkContaining(tick: number): Promise<EnvironmentChunkRow | undefined>;
  /** Tick ranges of all indexed chunks, ascending (small: one row per chunk). */
  environmentChunkRanges(): Promise<TickRange[]>;
  organismTick(tick: number): Promise<OrganismTickRow | undefined>;
  /**
   * The briefs of the organisms at `tick` (identity, energy, position, life: what a list shows, without registers
   * and stacks), or undefined when the tick has no organism row. Cheaper than organismTick where the index reads
   * organisms from chunks: the briefs are rebuilt without the states.
   */
  organismBriefs(tick: number): Promise<OrganismBrief[] | undefined>;
  /**
   * One organism's state at `tick`, or undefined when the tick has no organism row or the organism no state there.
   * Where the index reads organisms from chunks only this organism's deltas are applied.
   */
  organismState(tick: number, organismId: number): Promise<OrganismState | undefined>;
  organism(organismId: number): Promise<OrganismRow | undefined>;
  organisms(organismIds: readonly number[]): Promise<OrganismRow[]>;
  /** Ancestors of an organism, nearest first, at most `maxDepth`. */
  lineage(organismId: number, maxDepth: number): Promise<OrganismRow[]>;
  /** Highest organism id born at or before `tick` (ids are sequential from 1). */
  organismsCreatedUpTo(tick: number): Promise<number>;
}

/** The port every `db-*` binding receives and what the visualizer API uses. */
export interface IndexDatabase {
  /** Run ids with an index, ascending. */
  listRuns(): Promise<string[]>;
  /** Opens (creating if needed) the run's database for writing. */
  writer(runId: string): Promise<RunIndexWriter>;
  /** The run's database for reading, or undefined when the run has no index. */
  reader(runId: string): Promise<RunIndexReader | undefined>;
  /**
   * Runs `fn` with a reader that is not kept open afterwards (a handle already open is used and stays open).
   * For scans over every run, which would otherwise hold one open file per run. Engines whose readers hold no
   * per-run resources leave it out; `withTransientReader` below falls back to `reader`.
   */
  withTransientReader?<T>(runId: string, fn: (reader: RunIndexReader | undefined) => Promise<T>): Promise<T>;
  /**
   * Engines that keep references to stored chunks (chunk-refs.ts) instead of copies have this: the indexers
   * write references when the storage read gives each chunk's frame, and tell the engine where to read them.
   */
  attachChunkSource?(source: ChunkSource): void;
}

/** `db.withTransientReader` where the engine has it, else `fn` with the (cached) reader. */
export async function withTransientReader<T>(
  db: IndexDatabase,
  runId: string,
  fn: (reader: RunIndexReader | undefined) => Promise<T>,
): Promise<T> {
  if (db.withTransientReader) return db.withTransientReader(runId, fn);
  return fn(await db.reader(runId));
}

/** Usage types of index database bindings (all receive an IndexDatabase; the usage documents intent). */
export const DB_USAGES = ['db-meta-write', 'db-env-write', 'db-organism-write', 'db-read'] as const;

/** Marks resources that provide an IndexDatabase directly (for HTTP readers, which have no port). */
export interface IndexDatabaseResource {
  readonly indexDatabase: IndexDatabase;
}

export function isIndexDatabaseResource(r: unknown): r is IndexDatabaseResource {
  return (
    typeof r === 'object' &&
    r !== null &&
    'indexDatabase' in r &&
    typeof (r as IndexDatabaseResource).indexDatabase === 'object'
  );
}
