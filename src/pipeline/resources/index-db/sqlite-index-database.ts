/**
 * SQLite index database (embedded node): one file per run, `<directory>/<runId>.sqlite`, WAL mode so the
 * HTTP readers never block the indexers. better-sqlite3 is synchronous; each method runs one statement or
 * one transaction and resolves at once.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { EvochoraError } from '../../../errors.js';
import type {
  EnvironmentChunkRow,
  IndexDatabase,
  IndexDatabaseResource,
  OrganismRow,
  OrganismTickRow,
  RunIndexReader,
  RunIndexWriter,
  RunMetadataRow,
  TickRange,
} from '../../api/index-database.js';
import { DB_USAGES } from '../../api/index-database.js';
import {
  aliveCountOfRawBlob,
  decodeOrganismBlob,
  decodeOrganismChunk,
  organismChunkViewOf,
  type OrganismChunkView,
} from '../../api/index-blobs.js';
import { chunkRefOf, ChunkSourceMissingError, type ChunkRef, type ChunkSource } from '../../api/chunk-refs.js';
import type { ChunkFrameRead } from '../../api/batch-storage.js';
import type { ChunkLease } from '../../api/chunk-lease.js';
import type { Metrics, Monitorable } from '../../api/monitorable.js';
import type { RunRemovalIndex } from '../../api/run-removal.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import type { OrganismState } from '../../contracts/index.js';
import { briefOf, type OrganismBrief } from '../../contracts/organism-brief.js';
import { isRunId, validateRunId } from '../../contracts/run-id.js';
import { PipelineErrorCode } from '../../error-codes.js';

const SUFFIX = '.sqlite';
/** Prefix of a run's files while they are removed: listings take names that are run ids only. */
const REMOVING = '.deleting-';

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS metadata (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS environment_chunks (first_tick BIGINT PRIMARY KEY, last_tick BIGINT NOT NULL, tick_count INT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS environment_chunks_last_tick ON environment_chunks (last_tick);
CREATE TABLE IF NOT EXISTS organisms (organism_id INT PRIMARY KEY, parent_id INT NULL, birth_tick BIGINT NOT NULL, program_id TEXT NOT NULL, initial_position TEXT NOT NULL, genome_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS organisms_birth_tick ON organisms (birth_tick, organism_id);
CREATE TABLE IF NOT EXISTS organism_ticks (tick BIGINT PRIMARY KEY, organism_count INT NOT NULL, alive_count INT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS organism_chunks (first_tick BIGINT PRIMARY KEY, last_tick BIGINT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS organism_chunks_last_tick ON organism_chunks (last_tick);
`;

/** Every sample of one stored chunk's organisms (blob: organismChunkBlob in blobs.ts; version 1 blobs are still read). */
export interface OrganismChunkRow {
  readonly firstTick: number;
  readonly lastTick: number;
  readonly data: Uint8Array;
}

/** Decoded organism chunks kept per run handle (the visualizer steps through neighbouring ticks). */
const ORGANISM_CHUNK_CACHE = 8;

/** An organism chunk's decoded samples, and the share of its stored bytes the holder keeps (ChunkLease). */
interface CachedOrganismChunk {
  readonly lastTick: number;
  readonly samples: OrganismChunkView;
  readonly lease: ChunkLease | undefined;
}

interface OrganismDbRow {
  organism_id: number;
  parent_id: number | null;
  birth_tick: number;
  program_id: string;
  initial_position: string;
  genome_hash: string;
}

function organismOf(r: OrganismDbRow): OrganismRow {
  return {
    organismId: r.organism_id,
    parentId: r.parent_id,
    birthTick: r.birth_tick,
    programId: r.program_id,
    initialPosition: JSON.parse(r.initial_position) as number[],
    genomeHash: r.genome_hash,
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** One run's database file with its prepared statements. */
export class SqliteRunIndex implements RunIndexWriter, RunIndexReader {
  private readonly db: Database.Database;
  private readonly st;
  constructor(
    readonly runId: string,
    readonly path: string,
    readonly: boolean,
    /** Where references to stored chunks are read (the database's attached source, looked up when needed). */
    private readonly chunkSource: () => ChunkSource | undefined = () => undefined,
  ) {
    this.db = new Database(path, { readonly, fileMustExist: readonly });
    this.db.pragma('busy_timeout = 5000');
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA_SQL);
    }
    const db = this.db;
    this.st = {
      upsertMeta: db.prepare(
        'INSERT INTO metadata (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      meta: db.prepare('SELECT key, value FROM metadata'),
      upsertChunk: db.prepare(
        'INSERT INTO environment_chunks (first_tick, last_tick, tick_count, data) VALUES (?, ?, ?, ?) ON CONFLICT (first_tick) DO UPDATE SET last_tick = excluded.last_tick, tick_count = excluded.tick_count, data = excluded.data',
      ),
      upsertOrganism: db.prepare(
        'INSERT INTO organisms (organism_id, parent_id, birth_tick, program_id, initial_position, genome_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (organism_id) DO UPDATE SET parent_id = excluded.parent_id, birth_tick = excluded.birth_tick, program_id = excluded.program_id, initial_position = excluded.initial_position, genome_hash = excluded.genome_hash',
      ),
      upsertOrgTick: db.prepare(
        'INSERT INTO organism_ticks (tick, organism_count, alive_count, data) VALUES (?, ?, ?, ?) ON CONFLICT (tick) DO UPDATE SET organism_count = excluded.organism_count, alive_count = excluded.alive_count, data = excluded.data',
      ),
      envRange: db.prepare('SELECT MIN(first_tick) AS minTick, MAX(last_tick) AS maxTick FROM environment_chunks'),
      orgRange: db.prepare('SELECT MIN(tick) AS minTick, MAX(tick) AS maxTick FROM organism_ticks'),
      chunkAt: db.prepare(
        'SELECT first_tick, last_tick, tick_count, data FROM environment_chunks WHERE first_tick <= ? AND last_tick >= ? ORDER BY first_tick DESC LIMIT 1',
      ),
      chunkRanges: db.prepare(
        'SELECT first_tick AS minTick, last_tick AS maxTick FROM environment_chunks ORDER BY first_tick',
      ),
      orgTick: db.prepare('SELECT tick, organism_count, alive_count, data FROM organism_ticks WHERE tick = ?'),
      hasChunk: db
        .prepare(
          'SELECT 1 FROM environment_chunks WHERE first_tick = ? AND EXISTS (SELECT 1 FROM environment_chunks WHERE last_tick = ?)',
        )
        .pluck(),
      hasOrgTick: db.prepare('SELECT 1 FROM organism_ticks WHERE tick = ?').pluck(),
      upsertOrgChunk: db.prepare(
        'INSERT INTO organism_chunks (first_tick, last_tick, data) VALUES (?, ?, ?) ON CONFLICT (first_tick) DO UPDATE SET last_tick = excluded.last_tick, data = excluded.data',
      ),
      orgChunkRange: db.prepare('SELECT MIN(first_tick) AS minTick, MAX(last_tick) AS maxTick FROM organism_chunks'),
      orgChunkAt: db.prepare(
        'SELECT first_tick, last_tick, data FROM organism_chunks WHERE first_tick <= ? AND last_tick >= ? ORDER BY first_tick DESC LIMIT 1',
      ),
      hasOrgChunk: db.prepare('SELECT 1 FROM organism_chunks WHERE first_tick <= ? AND last_tick >= ? LIMIT 1').pluck(),
      organism: db.prepare('SELECT * FROM organisms WHERE organism_id = ?'),
      // Ids are given out in birth order, so the newest birth at or before the tick has the highest id.
      createdUpTo: db.prepare(
        'SELECT organism_id AS n FROM organisms WHERE birth_tick <= ? ORDER BY birth_tick DESC, organism_id DESC LIMIT 1',
      ),
    };
  }

  private readonly orgChunks = new Map<number, CachedOrganismChunk>();

  close(): void {
    this.db.close();
  }

  // ---- writer ----

  async upsertMetadata(row: RunMetadataRow): Promise<void> {
    const summary = JSON.stringify({
      runId: row.runId,
      startTimeMs: row.startTimeMs,
      samplingInterval: row.samplingInterval,
      worldShape: row.worldShape,
      toroidal: row.toroidal,
    });
    this.db.transaction(() => {
      this.st.upsertMeta.run('run', Buffer.from(summary, 'utf8'));
      this.st.upsertMeta.run('simulation_metadata', Buffer.from(row.simulationMetadata));
    })();
  }

  async upsertEnvironmentChunks(rows: readonly EnvironmentChunkRow[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows)
        this.st.upsertChunk.run(
          r.firstTick,
          r.lastTick,
          r.tickCount,
          Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
        );
    })();
  }

  async upsertOrganismTicks(ticks: readonly OrganismTickRow[], organisms: readonly OrganismRow[]): Promise<void> {
    this.db.transaction(() => {
      for (const o of organisms)
        this.st.upsertOrganism.run(
          o.organismId,
          o.parentId,
          o.birthTick,
          o.programId,
          JSON.stringify(o.initialPosition),
          o.genomeHash,
        );
      for (const t of ticks)
        this.st.upsertOrgTick.run(
          t.tick,
          t.organismCount,
          t.aliveCount,
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        );
    })();
  }

  /**
   * Organisms, one row per stored chunk (what the indexers write into SQLite: one compressed frame per chunk
   * instead of one per tick), and the static rows of the organisms they mention, in one transaction.
   */
  async upsertOrganismChunks(chunks: readonly OrganismChunkRow[], organisms: readonly OrganismRow[]): Promise<void> {
    this.db.transaction(() => {
      for (const o of organisms)
        this.st.upsertOrganism.run(
          o.organismId,
          o.parentId,
          o.birthTick,
          o.programId,
          JSON.stringify(o.initialPosition),
          o.genomeHash,
        );
      for (const c of chunks)
        this.st.upsertOrgChunk.run(
          c.firstTick,
          c.lastTick,
          Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength),
        );
    })();
    for (const c of chunks) this.orgChunks.delete(c.firstTick);
  }

  // ---- reader ----

  async metadata(): Promise<RunMetadataRow | undefined> {
    const rows = this.st.meta.all() as Array<{ key: string; value: Buffer }>;
    const run = rows.find((r) => r.key === 'run');
    const meta = rows.find((r) => r.key === 'simulation_metadata');
    if (!run || !meta) return undefined;
    const s = JSON.parse(run.value.toString('utf8')) as Omit<RunMetadataRow, 'simulationMetadata'>;
    return { ...s, simulationMetadata: u8(meta.value) };
  }

  async environmentTickRange(): Promise<TickRange | undefined> {
    const r = this.st.envRange.get() as { minTick: number | null; maxTick: number | null };
    return r.minTick === null || r.maxTick === null ? undefined : { minTick: r.minTick, maxTick: r.maxTick };
  }

  async organismTickRange(): Promise<TickRange | undefined> {
    // Organism rows of older indexes (one per tick) and organism chunks: the union of both.
    let min: number | null = null;
    let max: number | null = null;
    for (const st of [this.st.orgChunkRange, this.st.orgRange]) {
      const r = st.get() as { minTick: number | null; maxTick: number | null };
      if (r.minTick !== null) min = min === null ? r.minTick : Math.min(min, r.minTick);
      if (r.maxTick !== null) max = max === null ? r.maxTick : Math.max(max, r.maxTick);
    }
    return min === null || max === null ? undefined : { minTick: min, maxTick: max };
  }

  async environmentChunkContaining(tick: number): Promise<EnvironmentChunkRow | undefined> {
    const r = this.st.chunkAt.get(tick, tick) as
      { first_tick: number; last_tick: number; tick_count: number; data: Buffer } | undefined;
    if (!r) return undefined;
    const data = u8(r.data);
    const ref = chunkRefOf(data);
    const row = { firstTick: r.first_tick, lastTick: r.last_tick, tickCount: r.tick_count, data };
    if (!ref) return row;
    const read = await this.resolve(ref);
    return {
      ...row,
      chunk: read.data,
      chunkPlanedColumns: read.planedColumns,
      ...(read.lease ? { chunkLease: read.lease } : {}),
    };
  }

  /** The stored chunk a reference names, through the attached source. */
  private resolve(ref: ChunkRef): Promise<ChunkFrameRead> {
    const source = this.chunkSource();
    if (!source) throw new ChunkSourceMissingError(ref.key);
    return source(ref);
  }

  async environmentChunkRanges(): Promise<TickRange[]> {
    return this.st.chunkRanges.all() as TickRange[];
  }

  async organismTick(tick: number): Promise<OrganismTickRow | undefined> {
    const fromChunk = await this.withOrganismChunk(tick, (chunk): OrganismTickRow | undefined => {
      const s = chunk.get(tick);
      if (s) {
        const states = s.states;
        if (!states)
          return {
            tick: s.tick,
            organismCount: s.organismCount,
            aliveCount: aliveCountOfRawBlob(s.data),
            data: s.data,
          };
        // Rebuilt states: their bytes are encoded only for a caller that reads `data` (the visualizer takes the
        // states; encoding them cost a quarter of an organisms-at-tick query).
        return {
          tick: s.tick,
          organismCount: s.organismCount,
          aliveCount: states.reduce((n, o) => n + (o.isDead ? 0 : 1), 0),
          states,
          get data() {
            return s.data;
          },
        };
      }
      return undefined;
    });
    if (fromChunk) return fromChunk;
    const r = this.st.orgTick.get(tick) as
      { tick: number; organism_count: number; alive_count: number; data: Buffer } | undefined;
    return r && { tick: r.tick, organismCount: r.organism_count, aliveCount: r.alive_count, data: u8(r.data) };
  }

  async organismBriefs(tick: number): Promise<OrganismBrief[] | undefined> {
    const briefs = await this.withOrganismChunk(tick, (chunk) => chunk.briefs(tick));
    if (briefs) return briefs;
    // A tick indexed row by row (or not at all).
    const row = await this.organismTick(tick);
    return row && (row.states ?? decodeOrganismBlob(row.data)).map(briefOf);
  }

  async organismState(tick: number, organismId: number): Promise<OrganismState | undefined> {
    const state = await this.withOrganismChunk(tick, (chunk) => chunk.state(tick, organismId));
    if (state !== undefined) return state ?? undefined;
    const row = await this.organismTick(tick);
    return row && (row.states ?? decodeOrganismBlob(row.data)).find((o) => o.organismId === organismId);
  }

  /** Whether a chunk starts at `firstTick` and one ends at `lastTick` (catch-up checks; loads no blob). */
  hasEnvironmentChunk(firstTick: number, lastTick: number): boolean {
    return this.st.hasChunk.get(firstTick, lastTick) !== undefined;
  }

  /** Whether the organisms of `tick` are indexed (loads no blob). */
  hasOrganismTick(tick: number): boolean {
    return this.st.hasOrgChunk.get(tick, tick) !== undefined || this.st.hasOrgTick.get(tick) !== undefined;
  }

  /**
   * `use` run on the decoded samples of the organism chunk holding `tick` (undefined when none is indexed). The
   * samples read the stored chunk's bytes, which may lie in a reused buffer: `use` is synchronous, and the
   * chunk is held while it runs.
   */
  private async withOrganismChunk<T>(tick: number, use: (chunk: OrganismChunkView) => T): Promise<T | undefined> {
    const held = await this.organismChunkAt(tick);
    if (!held) return undefined;
    try {
      return use(held.samples);
    } finally {
      held.lease?.release();
    }
  }

  /** The organism chunk holding `tick` (cached) and the caller's share of its bytes, or undefined. */
  private async organismChunkAt(tick: number): Promise<CachedOrganismChunk | undefined> {
    for (const [first, c] of this.orgChunks) {
      if (first <= tick && tick <= c.lastTick) {
        // Most recently used last.
        this.orgChunks.delete(first);
        this.orgChunks.set(first, c);
        return { ...c, lease: c.lease?.retain() };
      }
    }
    const r = this.st.orgChunkAt.get(tick, tick) as { first_tick: number; last_tick: number; data: Buffer } | undefined;
    if (!r) return undefined;
    const data = u8(r.data);
    const ref = chunkRefOf(data);
    // Organisms only: planed cell columns do not matter here.
    const read = ref ? await this.resolve(ref) : undefined;
    let samples: OrganismChunkView;
    try {
      samples = read ? organismChunkViewOf(read.data) : decodeOrganismChunk(data);
    } catch (err) {
      read?.lease?.release();
      throw err;
    }
    // The cache's share beside the caller's; an entry read twice at once keeps the newer.
    this.orgChunks.get(r.first_tick)?.lease?.release();
    this.orgChunks.set(r.first_tick, { lastTick: r.last_tick, samples, lease: read?.lease?.retain() });
    while (this.orgChunks.size > ORGANISM_CHUNK_CACHE) {
      const [first, dropped] = this.orgChunks.entries().next().value as [number, CachedOrganismChunk];
      this.orgChunks.delete(first);
      dropped.lease?.release();
    }
    return { lastTick: r.last_tick, samples, lease: read?.lease };
  }

  async organism(organismId: number): Promise<OrganismRow | undefined> {
    const r = this.st.organism.get(organismId) as OrganismDbRow | undefined;
    return r && organismOf(r);
  }

  async organisms(ids: readonly number[]): Promise<OrganismRow[]> {
    const out: OrganismRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT * FROM organisms WHERE organism_id IN (${part.map(() => '?').join(',')})`)
        .all(...part) as OrganismDbRow[];
      for (const r of rows) out.push(organismOf(r));
    }
    return out;
  }

  async lineage(organismId: number, maxDepth: number): Promise<OrganismRow[]> {
    const out: OrganismRow[] = [];
    let current = await this.organism(organismId);
    const seen = new Set<number>([organismId]);
    while (current && current.parentId !== null && out.length < maxDepth && !seen.has(current.parentId)) {
      seen.add(current.parentId);
      const parent = await this.organism(current.parentId);
      if (!parent) break;
      out.push(parent);
      current = parent;
    }
    return out;
  }

  async organismsCreatedUpTo(tick: number): Promise<number> {
    const r = this.st.createdUpTo.get(tick) as { n: number } | undefined;
    return r?.n ?? 0;
  }

  /** Every row of every table in key order (tests compare databases with it). */
  dump(): Record<string, unknown[]> {
    const t = (sql: string): unknown[] => this.db.prepare(sql).all();
    const out: Record<string, unknown[]> = {
      metadata: t('SELECT key, hex(value) AS v FROM metadata ORDER BY key'),
      environment_chunks: t(
        'SELECT first_tick, last_tick, tick_count, hex(data) AS d FROM environment_chunks ORDER BY first_tick',
      ),
      organisms: t('SELECT * FROM organisms ORDER BY organism_id'),
      organism_ticks: t('SELECT tick, organism_count, alive_count, hex(data) AS d FROM organism_ticks ORDER BY tick'),
    };
    // Only when there are any, so a dump of per-tick writes compares equal to other engines' dumps.
    const chunks = t('SELECT first_tick, last_tick, hex(data) AS d FROM organism_chunks ORDER BY first_tick');
    if (chunks.length > 0) out.organism_chunks = chunks;
    return out;
  }
}

export interface SqliteIndexDatabaseOptions {
  /** Directory of the run files; relative to the node's data dir. */
  readonly directory: string;
}

/** The resource: hands out per-run databases, keeps them open, and serves every `db-*` usage. */
export class SqliteIndexDatabase implements Resource, IndexDatabase, IndexDatabaseResource, RunRemovalIndex {
  readonly type = 'SqliteIndexDatabase';
  readonly usageTypes = DB_USAGES;
  readonly directory: string;
  private readonly writers = new Map<string, SqliteRunIndex>();
  private readonly readers = new Map<string, SqliteRunIndex>();
  private readonly errorLog = new ErrorLog();
  private writes = 0;
  /** Where the runs' references to stored chunks are read (attached by the indexers, or by the node for readers). */
  private chunkSource: ChunkSource | undefined;
  private readonly source = (): ChunkSource | undefined => this.chunkSource;

  constructor(
    readonly name: string,
    options: SqliteIndexDatabaseOptions,
    dataDir = '.',
  ) {
    this.directory = isAbsolute(options.directory) ? options.directory : resolve(dataDir, options.directory);
  }

  get indexDatabase(): IndexDatabase {
    return this;
  }

  attachChunkSource(source: ChunkSource): void {
    this.chunkSource = source;
  }

  pathOf(runId: string): string {
    validateRunId(runId);
    return join(this.directory, `${runId}${SUFFIX}`);
  }

  async listRuns(): Promise<string[]> {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((f) => f.endsWith(SUFFIX))
      .map((f) => f.slice(0, -SUFFIX.length))
      .filter(isRunId)
      .sort();
  }

  /** Synchronous variant for code that owns this class (tests, commands). */
  openWriter(runId: string): SqliteRunIndex {
    let w = this.writers.get(runId);
    if (!w) {
      mkdirSync(this.directory, { recursive: true });
      w = new SqliteRunIndex(runId, this.pathOf(runId), false, this.source);
      this.writers.set(runId, w);
    }
    return w;
  }

  async writer(runId: string): Promise<RunIndexWriter> {
    const w = this.openWriter(runId);
    this.writes++;
    return w;
  }

  async reader(runId: string): Promise<RunIndexReader | undefined> {
    const w = this.writers.get(runId);
    if (w) return w;
    let r = this.readers.get(runId);
    if (r) return r;
    const path = this.pathOf(runId);
    if (!existsSync(path)) return undefined;
    // A read-write handle: the file may be in WAL mode and still being written by another process.
    r = new SqliteRunIndex(runId, path, false, this.source);
    this.readers.set(runId, r);
    return r;
  }

  async withTransientReader<T>(runId: string, fn: (reader: RunIndexReader | undefined) => Promise<T>): Promise<T> {
    const open = this.writers.get(runId) ?? this.readers.get(runId);
    if (open) return fn(open);
    const path = this.pathOf(runId);
    if (!existsSync(path)) return fn(undefined);
    // Three file descriptors per open run (database, WAL, shared memory): a scan over hundreds of runs must not
    // keep them all (macOS allows 256 per process by default).
    const r = new SqliteRunIndex(runId, path, false, this.source);
    try {
      return await fn(r);
    } finally {
      r.close();
    }
  }

  bind(context: ResourceContext): ResourceBinding {
    if (!(DB_USAGES as readonly string[]).includes(context.usageType ?? '')) {
      throw new EvochoraError(
        PipelineErrorCode.UNSUPPORTED_USAGE,
        `Resource '${this.name}' (SqliteIndexDatabase) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
        {
          actions: [`Use one of ${DB_USAGES.map((u) => `\`${u}:\``).join(', ')}.`],
        },
      );
    }
    const monitor: Monitorable = { metrics: () => ({}), errors: () => [], healthy: () => true };
    return { context, port: this as IndexDatabase, monitor };
  }

  usageState(): UsageState {
    return 'ACTIVE';
  }

  metrics(): Metrics {
    const m: Metrics = {
      open_runs: new Set([...this.writers.keys(), ...this.readers.keys()]).size,
      writer_opens: this.writes,
      error_count: this.errorLog.count,
    };
    // Bytes on disk of the runs this node writes (database + WAL): what recording costs in the index.
    let bytes = 0;
    for (const w of this.writers.values()) for (const suffix of ['', '-wal']) bytes += fileSize(w.path + suffix);
    if (this.writers.size > 0) m.index_disk_bytes = bytes;
    try {
      if (existsSync(this.directory)) {
        const s = statfsSync(this.directory);
        m.disk_available_bytes = s.bavail * s.bsize;
      }
    } catch {
      // statfs is informative only
    }
    return m;
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  healthy(): boolean {
    return true;
  }

  // ---- removal (see api/run-removal.ts) ----

  async runIndexBytes(runId: string): Promise<number> {
    const path = this.pathOf(runId);
    return fileSize(path) + fileSize(`${path}-wal`) + fileSize(`${path}-shm`);
  }

  /** Closes the run's handles, renames its files out of every listing (not ending in .sqlite), then deletes them. */
  async removeRunIndex(runId: string): Promise<void> {
    for (const m of [this.writers, this.readers]) {
      m.get(runId)?.close();
      m.delete(runId);
    }
    const path = this.pathOf(runId);
    for (const suffix of ['', '-wal', '-shm']) {
      const hidden = join(this.directory, `${REMOVING}${runId}${SUFFIX}${suffix}`);
      try {
        renameSync(path + suffix, hidden);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        continue;
      }
      rmSync(hidden, { force: true });
    }
  }

  async finishInterruptedRemovals(): Promise<void> {
    if (!existsSync(this.directory)) return;
    for (const f of readdirSync(this.directory))
      if (f.startsWith(REMOVING)) rmSync(join(this.directory, f), { force: true });
  }

  async close(): Promise<void> {
    for (const d of [...this.writers.values(), ...this.readers.values()]) d.close();
    this.writers.clear();
    this.readers.clear();
  }
}
