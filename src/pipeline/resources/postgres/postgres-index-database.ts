/**
 * PostgreSQL index database for distributed deployments: the same contract as the SQLite one
 * (src/pipeline/api/index-database.ts), one schema per run, shared by any number of indexer and API processes.
 *
 * - Schemas are named `run_<runId>` (or `run_<hash>` when that would exceed PostgreSQL's 63-byte identifier
 *   limit) and recorded in `<registrySchema>.runs`, which `listRuns` reads. Creating a run's schema is
 *   serialized across processes with an advisory lock, so concurrent indexers never race on DDL.
 * - Every write is one transaction of `INSERT … ON CONFLICT DO UPDATE` statements (multi-row, keys sorted so
 *   concurrent writers lock rows in the same order); deadlocks and serialization failures are retried.
 * - A connection pool (`maxConnections`) is shared by all bindings of the process.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { breakerMetrics, CircuitBreaker, CircuitOpenError } from '../../api/circuit-breaker.js';
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
import type { RunRemovalIndex } from '../../api/run-removal.js';
import type { Metrics, Monitorable } from '../../api/monitorable.js';
import { ErrorLog, type OperationalError } from '../../api/operational-error.js';
import type { Resource, ResourceBinding, ResourceContext, UsageState } from '../../api/resource.js';
import { decodeOrganismBlob } from '../../api/index-blobs.js';
import type { OrganismState } from '../../contracts/index.js';
import { briefOf, type OrganismBrief } from '../../contracts/organism-brief.js';
import { validateRunId } from '../../contracts/run-id.js';
import { PipelineErrorCode } from '../../error-codes.js';

const ROWS_PER_STATEMENT = 200;
const RETRYABLE = new Set(['40P01', '40001', '55P03', '57P01', '08006', '08003', '08000']);

export interface PostgresIndexDatabaseOptions {
  readonly connectionString: string;
  readonly registrySchema: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

export class PostgresIndexError extends EvochoraError {
  constructor(code: string, message: string, actions: string[] = []) {
    super(code, message, { actions });
  }
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** The schema of a run: readable when it fits, hashed when the run id is too long for an identifier. */
export function schemaNameOf(runId: string): string {
  validateRunId(runId);
  const plain = `run_${runId}`;
  if (Buffer.byteLength(plain) <= 63) return plain;
  return `run_${createHash('sha256').update(runId).digest('hex').slice(0, 40)}`;
}

function schemaSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
CREATE TABLE IF NOT EXISTS ${s}.metadata (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.environment_chunks (first_tick BIGINT PRIMARY KEY, last_tick BIGINT NOT NULL, tick_count INT NOT NULL, data BYTEA NOT NULL);
CREATE INDEX IF NOT EXISTS environment_chunks_last_tick ON ${s}.environment_chunks (last_tick);
CREATE TABLE IF NOT EXISTS ${s}.organisms (organism_id INT PRIMARY KEY, parent_id INT NULL, birth_tick BIGINT NOT NULL, program_id TEXT NOT NULL, initial_position TEXT NOT NULL, genome_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.organism_ticks (tick BIGINT PRIMARY KEY, organism_count INT NOT NULL, alive_count INT NOT NULL, data BYTEA NOT NULL);
`;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

interface OrganismDbRow {
  organism_id: number;
  parent_id: number | null;
  birth_tick: string;
  program_id: string;
  initial_position: string;
  genome_hash: string;
}

function organismOf(r: OrganismDbRow): OrganismRow {
  return {
    organismId: r.organism_id,
    parentId: r.parent_id,
    birthTick: Number(r.birth_tick),
    programId: r.program_id,
    initialPosition: JSON.parse(r.initial_position) as number[],
    genomeHash: r.genome_hash,
  };
}

/** Multi-row VALUES list with numbered parameters: ($1,$2),($3,$4)… */
function valuesList(rows: number, cols: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++)
    out.push(`(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(',')})`);
  return out.join(',');
}

export class PostgresRunIndex implements RunIndexWriter, RunIndexReader {
  private readonly s: string;

  constructor(
    readonly runId: string,
    readonly schema: string,
    private readonly db: PostgresIndexDatabase,
  ) {
    this.s = quoteIdent(schema);
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
    await this.db.transaction(async (c) => {
      await c.query(
        `INSERT INTO ${this.s}.metadata (key, value) VALUES ($1,$2),($3,$4) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        ['run', Buffer.from(summary, 'utf8'), 'simulation_metadata', buf(row.simulationMetadata)],
      );
    });
  }

  async upsertEnvironmentChunks(rows: readonly EnvironmentChunkRow[]): Promise<void> {
    if (rows.length === 0) return;
    const sorted = [...rows].sort((a, b) => a.firstTick - b.firstTick);
    await this.db.transaction(async (c) => {
      for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
        const part = sorted.slice(i, i + ROWS_PER_STATEMENT);
        const params: unknown[] = [];
        for (const r of part) params.push(r.firstTick, r.lastTick, r.tickCount, buf(r.data));
        await c.query(
          `INSERT INTO ${this.s}.environment_chunks (first_tick, last_tick, tick_count, data) VALUES ${valuesList(part.length, 4)} ON CONFLICT (first_tick) DO UPDATE SET last_tick = excluded.last_tick, tick_count = excluded.tick_count, data = excluded.data`,
          params,
        );
      }
    });
  }

  async upsertOrganismTicks(ticks: readonly OrganismTickRow[], organisms: readonly OrganismRow[]): Promise<void> {
    if (ticks.length === 0 && organisms.length === 0) return;
    // Duplicate keys in one statement would fail ("cannot affect row a second time"): keep the last of each.
    const orgs = [...new Map(organisms.map((o) => [o.organismId, o])).values()].sort(
      (a, b) => a.organismId - b.organismId,
    );
    const tks = [...new Map(ticks.map((t) => [t.tick, t])).values()].sort((a, b) => a.tick - b.tick);
    await this.db.transaction(async (c) => {
      for (let i = 0; i < orgs.length; i += ROWS_PER_STATEMENT) {
        const part = orgs.slice(i, i + ROWS_PER_STATEMENT);
        const params: unknown[] = [];
        for (const o of part)
          params.push(
            o.organismId,
            o.parentId,
            o.birthTick,
            o.programId,
            JSON.stringify(o.initialPosition),
            o.genomeHash,
          );
        await c.query(
          `INSERT INTO ${this.s}.organisms (organism_id, parent_id, birth_tick, program_id, initial_position, genome_hash) VALUES ${valuesList(part.length, 6)} ON CONFLICT (organism_id) DO UPDATE SET parent_id = excluded.parent_id, birth_tick = excluded.birth_tick, program_id = excluded.program_id, initial_position = excluded.initial_position, genome_hash = excluded.genome_hash`,
          params,
        );
      }
      for (let i = 0; i < tks.length; i += ROWS_PER_STATEMENT) {
        const part = tks.slice(i, i + ROWS_PER_STATEMENT);
        const params: unknown[] = [];
        for (const t of part) params.push(t.tick, t.organismCount, t.aliveCount, buf(t.data));
        await c.query(
          `INSERT INTO ${this.s}.organism_ticks (tick, organism_count, alive_count, data) VALUES ${valuesList(part.length, 4)} ON CONFLICT (tick) DO UPDATE SET organism_count = excluded.organism_count, alive_count = excluded.alive_count, data = excluded.data`,
          params,
        );
      }
    });
  }

  // ---- reader ----

  async metadata(): Promise<RunMetadataRow | undefined> {
    const r = await this.db.query<{ key: string; value: Buffer }>(`SELECT key, value FROM ${this.s}.metadata`);
    const run = r.find((x) => x.key === 'run');
    const meta = r.find((x) => x.key === 'simulation_metadata');
    if (!run || !meta) return undefined;
    const s = JSON.parse(run.value.toString('utf8')) as Omit<RunMetadataRow, 'simulationMetadata'>;
    return { ...s, simulationMetadata: u8(meta.value) };
  }

  private async range(sql: string): Promise<TickRange | undefined> {
    const [r] = await this.db.query<{ min: string | null; max: string | null }>(sql);
    return !r || r.min === null || r.max === null ? undefined : { minTick: Number(r.min), maxTick: Number(r.max) };
  }

  environmentTickRange(): Promise<TickRange | undefined> {
    return this.range(`SELECT MIN(first_tick) AS min, MAX(last_tick) AS max FROM ${this.s}.environment_chunks`);
  }

  organismTickRange(): Promise<TickRange | undefined> {
    return this.range(`SELECT MIN(tick) AS min, MAX(tick) AS max FROM ${this.s}.organism_ticks`);
  }

  async environmentChunkContaining(tick: number): Promise<EnvironmentChunkRow | undefined> {
    const [r] = await this.db.query<{ first_tick: string; last_tick: string; tick_count: number; data: Buffer }>(
      `SELECT first_tick, last_tick, tick_count, data FROM ${this.s}.environment_chunks WHERE first_tick <= $1 AND last_tick >= $1 ORDER BY first_tick DESC LIMIT 1`,
      [tick],
    );
    return (
      r && { firstTick: Number(r.first_tick), lastTick: Number(r.last_tick), tickCount: r.tick_count, data: u8(r.data) }
    );
  }

  async environmentChunkRanges(): Promise<TickRange[]> {
    const rows = await this.db.query<{ first_tick: string; last_tick: string }>(
      `SELECT first_tick, last_tick FROM ${this.s}.environment_chunks ORDER BY first_tick`,
    );
    return rows.map((r) => ({ minTick: Number(r.first_tick), maxTick: Number(r.last_tick) }));
  }

  async organismTick(tick: number): Promise<OrganismTickRow | undefined> {
    const [r] = await this.db.query<{ tick: string; organism_count: number; alive_count: number; data: Buffer }>(
      `SELECT tick, organism_count, alive_count, data FROM ${this.s}.organism_ticks WHERE tick = $1`,
      [tick],
    );
    return r && { tick: Number(r.tick), organismCount: r.organism_count, aliveCount: r.alive_count, data: u8(r.data) };
  }

  async organismBriefs(tick: number): Promise<OrganismBrief[] | undefined> {
    const row = await this.organismTick(tick);
    return row && decodeOrganismBlob(row.data).map(briefOf);
  }

  async organismState(tick: number, organismId: number): Promise<OrganismState | undefined> {
    const row = await this.organismTick(tick);
    return row && decodeOrganismBlob(row.data).find((o) => o.organismId === organismId);
  }

  async organism(organismId: number): Promise<OrganismRow | undefined> {
    const [r] = await this.db.query<OrganismDbRow>(`SELECT * FROM ${this.s}.organisms WHERE organism_id = $1`, [
      organismId,
    ]);
    return r && organismOf(r);
  }

  async organisms(ids: readonly number[]): Promise<OrganismRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<OrganismDbRow>(
      `SELECT * FROM ${this.s}.organisms WHERE organism_id = ANY($1::int[])`,
      [ids],
    );
    return rows.map(organismOf);
  }

  async lineage(organismId: number, maxDepth: number): Promise<OrganismRow[]> {
    const rows = await this.db.query<OrganismDbRow & { depth: number }>(
      `WITH RECURSIVE chain AS (
         SELECT o.*, 0 AS depth FROM ${this.s}.organisms o WHERE o.organism_id = $1
         UNION ALL
         SELECT p.*, c.depth + 1 FROM ${this.s}.organisms p JOIN chain c ON p.organism_id = c.parent_id WHERE c.depth < $2
       ) CYCLE organism_id SET is_cycle USING path
       SELECT organism_id, parent_id, birth_tick, program_id, initial_position, genome_hash, depth FROM chain WHERE depth > 0 AND NOT is_cycle ORDER BY depth`,
      [organismId, maxDepth],
    );
    return rows.map(organismOf);
  }

  async organismsCreatedUpTo(tick: number): Promise<number> {
    const [r] = await this.db.query<{ n: number | null }>(
      `SELECT MAX(organism_id) AS n FROM ${this.s}.organisms WHERE birth_tick <= $1`,
      [tick],
    );
    return r?.n ?? 0;
  }

  /** Every row of every table in key order, in the shape of SqliteRunIndex.dump() (tests compare them). */
  async dump(): Promise<Record<string, unknown[]>> {
    const hex = (col: string): string => `upper(encode(${col}, 'hex'))`;
    return {
      metadata: await this.db.query(`SELECT key, ${hex('value')} AS v FROM ${this.s}.metadata ORDER BY key`),
      environment_chunks: (
        await this.db.query<{ first_tick: string; last_tick: string; tick_count: number; d: string }>(
          `SELECT first_tick, last_tick, tick_count, ${hex('data')} AS d FROM ${this.s}.environment_chunks ORDER BY first_tick`,
        )
      ).map((r) => ({ ...r, first_tick: Number(r.first_tick), last_tick: Number(r.last_tick) })),
      organisms: (await this.db.query<OrganismDbRow>(`SELECT * FROM ${this.s}.organisms ORDER BY organism_id`)).map(
        (r) => ({ ...r, birth_tick: Number(r.birth_tick) }),
      ),
      organism_ticks: (
        await this.db.query<{ tick: string; organism_count: number; alive_count: number; d: string }>(
          `SELECT tick, organism_count, alive_count, ${hex('data')} AS d FROM ${this.s}.organism_ticks ORDER BY tick`,
        )
      ).map((r) => ({ ...r, tick: Number(r.tick) })),
    };
  }
}

const OUTAGE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

/** Connection-level failures (the server is unreachable or going away), not a query the server refused. */
function isPostgresOutage(err: unknown): boolean {
  if (err instanceof CircuitOpenError) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (OUTAGE_ERRNO.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
    return true;
  return /Connection terminated|timeout exceeded when trying to connect/i.test((err as Error).message ?? '');
}

export class PostgresIndexDatabase implements Resource, IndexDatabase, IndexDatabaseResource, RunRemovalIndex {
  readonly type = 'PostgresIndexDatabase';
  readonly usageTypes = DB_USAGES;
  readonly pool: pg.Pool;
  /** Opens after repeated connection failures (refused, reset, timed out, server shutting down); SQL errors do not count. */
  readonly breaker: CircuitBreaker;
  private readonly runs = new Map<string, Promise<PostgresRunIndex>>();
  private readonly errorLog = new ErrorLog();
  private readonly registry: string;
  private transactions = 0;
  private retries = 0;
  private queries = 0;

  private constructor(
    readonly name: string,
    readonly options: PostgresIndexDatabaseOptions,
    private readonly logger?: Logger,
  ) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections,
      connectionTimeoutMillis: Math.min(options.connectTimeoutMs, 30_000),
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      application_name: `evochora:${name}`,
    });
    this.pool.on('error', (err) => this.errorLog.record('PG_POOL_ERROR', err.message));
    this.breaker = new CircuitBreaker(`PostgreSQL index '${this.name}'`, isPostgresOutage);
    this.registry = quoteIdent(options.registrySchema);
  }

  /** Connects (retrying until `connectTimeoutMs`) and creates the run registry. */
  static async create(
    name: string,
    options: PostgresIndexDatabaseOptions,
    logger?: Logger,
  ): Promise<PostgresIndexDatabase> {
    const db = new PostgresIndexDatabase(name, options, logger);
    const deadline = Date.now() + options.connectTimeoutMs;
    let delay = 100;
    for (;;) {
      try {
        await db.transaction(async (c) => {
          await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`evochora:${options.registrySchema}`]);
          await c.query(`CREATE SCHEMA IF NOT EXISTS ${db.registry}`);
          await c.query(
            `CREATE TABLE IF NOT EXISTS ${db.registry}.runs (run_id TEXT PRIMARY KEY, schema_name TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
          );
        }, 0);
        return db;
      } catch (err) {
        if (Date.now() + delay > deadline) {
          await db.pool.end().catch(() => undefined);
          throw new PostgresIndexError(
            PipelineErrorCode.PG_UNAVAILABLE,
            `Index database '${name}' cannot use PostgreSQL: ${(err as Error).message}.`,
            [
              'Check that PostgreSQL is running and the connectionString (host, port, user, database) is right.',
              'See docs/distributed.md for starting a local server.',
            ],
          );
        }
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  get indexDatabase(): IndexDatabase {
    return this;
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.queries++;
    const r = await this.breaker.call(() => this.pool.query(sql, params));
    return r.rows as R[];
  }

  /** Runs `fn` in one transaction; retries deadlocks, serialization failures and dropped connections. */
  async transaction<R>(fn: (c: pg.PoolClient) => Promise<R>, retries = 5): Promise<R> {
    let attempt = 0;
    for (;;) {
      const client = await this.breaker.call(() => this.pool.connect());
      let broken = false;
      try {
        await client.query('BEGIN');
        const r = await fn(client);
        await client.query('COMMIT');
        this.transactions++;
        return r;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (err as { code?: string }).code ?? '';
        if (attempt < retries && (RETRYABLE.has(code) || code === '23505')) {
          attempt++;
          this.retries++;
          await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
          continue;
        }
        this.errorLog.record('PG_TRANSACTION_FAILED', `${code}: ${(err as Error).message}`);
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  async listRuns(): Promise<string[]> {
    const rows = await this.query<{ run_id: string }>(`SELECT run_id FROM ${this.registry}.runs ORDER BY run_id`);
    return rows.map((r) => r.run_id);
  }

  private open(runId: string, create: boolean): Promise<PostgresRunIndex> {
    let p = this.runs.get(runId);
    if (!p) {
      const schema = schemaNameOf(runId);
      p = (async () => {
        if (create) {
          await this.transaction(async (c) => {
            // One process at a time creates a run's schema: concurrent CREATE … IF NOT EXISTS can still collide.
            await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`evochora:${schema}`]);
            await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
            await c.query(schemaSql(schema));
            await c.query(
              `INSERT INTO ${this.registry}.runs (run_id, schema_name) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING`,
              [runId, schema],
            );
          });
          this.logger?.debug({ runId, schema }, `Index schema ${schema} ready`);
        }
        return new PostgresRunIndex(runId, schema, this);
      })();
      p.catch(() => this.runs.delete(runId));
      this.runs.set(runId, p);
    }
    return p;
  }

  writer(runId: string): Promise<RunIndexWriter> {
    return this.open(runId, true);
  }

  async reader(runId: string): Promise<RunIndexReader | undefined> {
    const cached = this.runs.get(runId);
    if (cached) return cached;
    const rows = await this.query<{ schema_name: string }>(
      `SELECT schema_name FROM ${this.registry}.runs WHERE run_id = $1`,
      [runId],
    );
    if (rows.length === 0) return undefined;
    return this.open(runId, false);
  }

  /** Bytes of the run's tables and their indexes (0 when it has none). */
  async runIndexBytes(runId: string): Promise<number> {
    const rows = await this.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schemaNameOf(runId)],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** The run's schema and registry row go in one transaction: readers see all of the run or none. */
  async removeRunIndex(runId: string): Promise<void> {
    await this.dropRun(runId);
  }

  /** Drops a run's schema and its registry row (tools and tests). */
  async dropRun(runId: string): Promise<void> {
    const schema = schemaNameOf(runId);
    await this.transaction(async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await c.query(`DELETE FROM ${this.registry}.runs WHERE run_id = $1`, [runId]);
    });
    this.runs.delete(runId);
  }

  bind(context: ResourceContext): ResourceBinding {
    if (!(DB_USAGES as readonly string[]).includes(context.usageType ?? '')) {
      throw new EvochoraError(
        PipelineErrorCode.UNSUPPORTED_USAGE,
        `Resource '${this.name}' (PostgresIndexDatabase) cannot be bound as '${context.usageType ?? '(none)'}' by service '${context.serviceName}'.`,
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
    return {
      open_runs: this.runs.size,
      ...breakerMetrics(this.breaker),
      pool_total: this.pool.totalCount,
      pool_idle: this.pool.idleCount,
      pool_waiting: this.pool.waitingCount,
      transactions: this.transactions,
      transaction_retries: this.retries,
      queries: this.queries,
      error_count: this.errorLog.count,
    };
  }

  errors(): readonly OperationalError[] {
    return this.errorLog.list();
  }

  /** Unhealthy while its breaker is not closed: `pipeline status` shows DEGRADED with the breaker's state. */
  healthy(): boolean {
    return this.breaker.state === 'closed';
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
