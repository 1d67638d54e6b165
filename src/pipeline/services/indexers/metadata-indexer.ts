/**
 * MetadataIndexer: member of the `metadata` consumer group of the metadata topic. For each MetadataInfo it
 * reads the run's SimulationMetadata from storage and upserts it into the run's index. It keeps listening,
 * so every run the node records gets its metadata indexed. At start it catches up: every stored run whose
 * metadata is not in the index gets it (notifications lost with a stopped node's in-memory topic).
 */
import { MetadataInfo, type MetadataInfo as MetadataInfoMsg } from '../../contracts/index.js';
import type { IndexDatabase } from '../../api/index-database.js';
import type { Metrics } from '../../api/monitorable.js';
import type { ServiceContext } from '../../api/service.js';

import { AbstractIndexer, type CatchUpScan } from './abstract-indexer.js';
import { type IndexerOptions } from './indexer-options.js';
import { failSpan } from '../../tracing/span-outcomes.js';
import { metadataKey } from '../../resources/storage-keys.js';
import { indexMetadata, isMetadataIndexed } from './index-operations.js';

export class MetadataIndexer extends AbstractIndexer<MetadataInfoMsg> {
  private readonly database: IndexDatabase;
  private runs = 0;
  private readonly catchUpEnabled: boolean;
  private backlog: string[] = [];
  private catchUpIndexed = 0;
  private catchUpFailed = 0;
  constructor(context: ServiceContext<IndexerOptions>) {
    super(context);
    this.database = this.port<IndexDatabase>('database');
    this.catchUpEnabled = context.options.catchUp;
  }

  protected override async scanCatchUp(): Promise<CatchUpScan | void> {
    if (!this.catchUpEnabled) return;
    for (const runId of await this.storage.listRunIds()) {
      if (this.stopRequested) break;
      if (!(await isMetadataIndexed(this.database, runId))) this.backlog.push(runId);
    }
    return { runs: this.backlog.length, items: this.backlog.length };
  }

  protected override catchUpPending(): boolean {
    return this.backlog.length > 0;
  }

  protected override async catchUpStep(): Promise<void> {
    const runId = this.backlog[0];
    if (runId === undefined) return;
    const span = this.startCatchUpSpan(MetadataInfo.create({ simulationRunId: runId, storageKey: keyOf(runId) }));
    try {
      if (await isMetadataIndexed(this.database, runId)) return;
      await indexMetadata(this.storage, this.database, runId);
      this.runs++;
      this.catchUpIndexed++;
    } catch (err) {
      // A run directory without (readable) metadata: nothing to index; not worth a dead letter.
      failSpan(span, err);
      this.catchUpFailed++;
      this.logger.warn(
        { service: this.name, runId },
        `Catch-up: metadata of run ${runId} not indexed: ${(err as Error).message}`,
      );
    } finally {
      span.end();
      this.backlog.shift();
    }
  }

  protected async index(m: MetadataInfoMsg): Promise<void> {
    await indexMetadata(this.storage, this.database, m.simulationRunId);
    this.runs++;
  }

  protected describe(m: MetadataInfoMsg): {
    runId: string;
    key: string;
    messageType: string;
    encoded: Uint8Array;
    metadata: Record<string, string>;
  } {
    return {
      runId: m.simulationRunId,
      key: m.storageKey,
      messageType: 'MetadataInfo',
      encoded: MetadataInfo.encode(m).finish(),
      metadata: {},
    };
  }

  protected override indexerMetrics(): Metrics {
    return {
      runs_indexed: this.runs,
      catch_up_runs_pending: this.backlog.length,
      catch_up_runs_indexed: this.catchUpIndexed,
      catch_up_runs_failed: this.catchUpFailed,
    };
  }
}

/** The run's metadata key, or the directory name when it is no valid run id (indexing it then fails, as it should). */
function keyOf(runId: string): string {
  try {
    return metadataKey(runId);
  } catch {
    return runId;
  }
}
