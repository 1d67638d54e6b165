import { Flags } from '../../src/cli/oclif.js';
import { resolve } from 'node:path';
import { EvochoraCommand, storageDirFlags } from '../../src/cli/base-command.js';
import { CliErrorCode } from '../../src/cli/error-codes.js';
import { EvochoraError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { storedRunBackends } from '../../src/cli/stored-run-backends.js';
import {
  DEFAULT_LOD_FACTORS,
  isAnalyticsStore,
  loadAnalyticsOperations,
  loadIndexOperations,
  loadPluginCatalogue,
  loadSqliteIndexDatabase,
  type IndexDatabase,
} from '../../src/pipeline/index.js';

export interface IndexResult {
  runId: string;
  database: string;
  batches: number;
  chunks: number;
  firstTick: number | null;
  lastTick: number | null;
  durationMs: number;
  /** Analytics parts written for batches no part covered yet (0 with --only without analytics). */
  analyticsParts: number;
  analyticsBatches: number;
}

const KINDS = ['environment', 'organism', 'analytics'] as const;

export default class Index extends EvochoraCommand<IndexResult> {
  static override summary = 'Re-index a recorded run from storage into the index database and build its analytics.';
  static override description =
    "Reads the metadata and every batch file of the run and upserts them into the run's index: the index database and storage of the configuration's pipeline (SQLite under <data-dir>/index and the file system by default; PostgreSQL and S3 with a distributed config). Upserts are idempotent, so running it twice, or while the node indexes the same run, leaves the same database. Then runs the analytics plugins over the batches the run's analytics do not cover yet (Parquet under <storage>/<run>/analytics/, see docs/analytics.md), so a run recorded without the AnalyticsIndexer gets them too.";
  static override examples = [
    '<%= config.bin %> index --run 20261125-03074100-…',
    '<%= config.bin %> index --run RUN --data-dir ./data --json',
    '<%= config.bin %> index --run RUN --only analytics',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
    ...storageDirFlags,
    'index-dir': Flags.string({ description: 'Index directory to write instead of <data-dir>/index.' }),
    only: Flags.string({
      description: `Comma-separated subset of ${KINDS.join(', ')} (default: all).`,
    }),
  };

  async run(): Promise<IndexResult> {
    const { flags } = await this.parse(Index);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const started = Date.now();
    // The storage and index of the configuration's pipeline (S3 and PostgreSQL with a distributed config).
    const backends = await storedRunBackends(config, {
      ...(flags['storage-dir'] !== undefined ? { storageDir: flags['storage-dir'] } : {}),
      ...(flags['index-dir'] !== undefined ? { indexDir: flags['index-dir'] } : {}),
      withIndex: true,
    });
    const { storage } = backends;
    const [{ SqliteIndexDatabase }, { indexMetadata, indexStoredBatches }] = await Promise.all([
      loadSqliteIndexDatabase(),
      loadIndexOperations(),
    ]);
    const [{ analyzeStoredBatches, unanalyzedBatches }, { DEFAULT_PLUGIN_IDS, selectPlugins }] = await Promise.all([
      loadAnalyticsOperations(),
      loadPluginCatalogue(),
    ]);
    // A configuration without an index database still indexes into the default SQLite directory.
    const fallback = backends.index
      ? undefined
      : new SqliteIndexDatabase('index-command', { directory: resolve(config.node.dataDir, 'index') });
    const db: IndexDatabase = backends.index ?? fallback!;
    const runId = flags.run;
    const only = flags.only ? flags.only.split(',').map((k) => k.trim()) : [...KINDS];
    for (const k of only)
      if (!(KINDS as readonly string[]).includes(k))
        throw new EvochoraError(CliErrorCode.USAGE, `--only: unknown kind '${k}'.`, {
          exitCode: ExitCode.Usage,
          actions: [`Known kinds: ${KINDS.join(', ')}.`],
        });
    const indexKinds = only.filter((k): k is 'environment' | 'organism' => k !== 'analytics');
    try {
      const batches = await storage.listBatches(runId);
      let chunks = 0;
      if (indexKinds.length > 0) {
        try {
          await indexMetadata(storage, db, runId);
        } catch (err) {
          this.warnUser(`metadata not indexed: ${(err as Error).message}`);
        }
        // The same steps the indexer services run for live notifications and for their catch-up at start.
        chunks = (
          await indexStoredBatches(storage, db, runId, batches, {
            kinds: indexKinds,
            onBatch: (done, total) => {
              if (!this.jsonEnabled() && done % 100 === 0) this.logToStderr(`indexed ${done}/${total} batches`);
            },
          })
        ).chunks;
      }
      let analyticsParts = 0;
      let analyticsBatches = 0;
      if (only.includes('analytics')) {
        if (!isAnalyticsStore(storage))
          throw new EvochoraError(CliErrorCode.USAGE, 'The configured storage keeps no analytics.', {
            exitCode: ExitCode.Usage,
            actions: ['Index without them: --only environment,organism.'],
          });
        // The AnalyticsIndexer's steps with its default plugins and levels.
        const missing = await unanalyzedBatches(storage, storage, runId);
        const r = await analyzeStoredBatches(storage, storage, runId, missing, {
          plugins: selectPlugins(DEFAULT_PLUGIN_IDS),
          lodFactors: DEFAULT_LOD_FACTORS,
          maxPartSamples: 100_000,
          onBatch: (done, total) => {
            if (!this.jsonEnabled() && done % 50 === 0) this.logToStderr(`analysed ${done}/${total} batches`);
          },
        });
        analyticsParts = r.parts;
        analyticsBatches = r.batches;
      }
      const result: IndexResult = {
        runId,
        database: db instanceof SqliteIndexDatabase ? db.pathOf(runId) : (backends.indexLabel ?? 'index'),
        batches: batches.length,
        chunks,
        firstTick: batches[0]?.firstTick ?? null,
        lastTick: batches[batches.length - 1]?.lastTick ?? null,
        durationMs: Date.now() - started,
        analyticsParts,
        analyticsBatches,
      };
      if (!this.jsonEnabled()) {
        if (indexKinds.length > 0)
          this.log(
            `indexed run ${runId}: ${batches.length} batches, ${chunks} chunks, ticks ${result.firstTick ?? '-'}..${result.lastTick ?? '-'} → ${result.database} (${result.durationMs} ms)`,
          );
        if (only.includes('analytics'))
          this.log(
            analyticsBatches === 0
              ? `analytics of run ${runId}: up to date`
              : `analytics of run ${runId}: ${analyticsBatches} batches analysed into ${analyticsParts} parts`,
          );
      }
      return result;
    } finally {
      await fallback?.close();
      await backends.close();
    }
  }
}
