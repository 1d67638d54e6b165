import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { FileSystemStorage } from '../../src/pipeline/resources/file-system-storage.js';
import { storageRootOf } from '../../src/pipeline/resources/storage-locations.js';
import { SqliteIndexDatabase } from '../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { indexMetadata, indexStoredBatches } from '../../src/pipeline/services/indexers/index-operations.js';

export interface IndexResult {
  runId: string;
  database: string;
  batches: number;
  chunks: number;
  firstTick: number | null;
  lastTick: number | null;
  durationMs: number;
}

export default class Index extends EvochoraCommand<IndexResult> {
  static override summary = 'Re-index a recorded run from storage into the index database.';
  static override description =
    "Reads the metadata and every batch file of the run and upserts them into the run's SQLite index (<data-dir>/index/<run>.sqlite). Upserts are idempotent, so running it twice, or while the node indexes the same run, leaves the same database.";
  static override examples = [
    '<%= config.bin %> index --run 20261125-03074100-…',
    '<%= config.bin %> index --run RUN --data-dir ./data --json',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
    'storage-dir': Flags.string({ description: 'Storage root to read instead of <data-dir>/storage.' }),
    'index-dir': Flags.string({ description: 'Index directory to write instead of <data-dir>/index.' }),
  };

  async run(): Promise<IndexResult> {
    const { flags } = await this.parse(Index);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const started = Date.now();
    const storage = new FileSystemStorage('index-command', {
      rootDirectory: storageRootOf(config.node.dataDir, flags['storage-dir']),
    });
    const db = new SqliteIndexDatabase('index-command', {
      directory: flags['index-dir'] ? resolve(flags['index-dir']) : resolve(config.node.dataDir, 'index'),
    });
    const runId = flags.run;
    try {
      const batches = await storage.listBatches(runId);
      try {
        await indexMetadata(storage, db, runId);
      } catch (err) {
        this.warnUser(`metadata not indexed: ${(err as Error).message}`);
      }
      // The same steps the indexer services run for live notifications and for their catch-up at start.
      const { chunks } = await indexStoredBatches(storage, db, runId, batches, {
        onBatch: (done, total) => {
          if (!this.jsonEnabled() && done % 100 === 0) this.logToStderr(`indexed ${done}/${total} batches`);
        },
      });
      const result: IndexResult = {
        runId,
        database: db.pathOf(runId),
        batches: batches.length,
        chunks,
        firstTick: batches[0]?.firstTick ?? null,
        lastTick: batches[batches.length - 1]?.lastTick ?? null,
        durationMs: Date.now() - started,
      };
      if (!this.jsonEnabled())
        this.log(
          `indexed run ${runId}: ${batches.length} batches, ${chunks} chunks, ticks ${result.firstTick ?? '-'}..${result.lastTick ?? '-'} → ${result.database} (${result.durationMs} ms)`,
        );
      return result;
    } finally {
      await db.close();
    }
  }
}
