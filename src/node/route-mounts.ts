/**
 * The HTTP route groups features add to the node beyond /node, /pipeline/api and /metrics (the visualizer
 * and analyzer APIs, the web UI). The daemon mounts whatever this returns; each group keeps its own error mapping.
 */
import type { RouteMount, RouteMountContext } from './route-mount.js';
import {
  chunkSourceOf,
  isAnalyticsStore,
  isBatchStorageReader,
  isIndexDatabaseResource,
  loadFileSystemStorage,
  loadSqliteIndexDatabase,
  type AnalyticsReader,
  type BatchStorageReader,
  type IndexDatabase,
} from '../pipeline/index.js';
import { VISUALIZER_ERROR_STATUS, VISUALIZER_PREFIX, visualizerRoutes } from '../visualizer/routes.js';
import { VisualizerService } from '../visualizer/visualizer-service.js';
import { LiveFeed } from '../visualizer/live-feed.js';
import { staticRoutes } from '../web/static-routes.js';
import { nodeOpenApi } from './http/openapi.js';
import { ANALYZER_ERROR_STATUS, ANALYZER_PREFIX, analyzerRoutes } from '../analyzer/routes.js';
import { AnalyzerService } from '../analyzer/analyzer-service.js';

export async function defaultRouteMounts(): Promise<RouteMount[]> {
  const [{ FileSystemStorage }, { SqliteIndexDatabase }] = await Promise.all([
    loadFileSystemStorage(),
    loadSqliteIndexDatabase(),
  ]);
  /** The pipeline's first storage that reads batches and analytics, else the default storage directory. */
  const pipelineStorage = (
    manager: RouteMountContext['manager'],
    config: RouteMountContext['config'],
  ): AnalyticsReader & BatchStorageReader => {
    for (const name of Object.keys(config.pipeline.resources)) {
      const r = manager.resource(name);
      if (isAnalyticsStore(r) && isBatchStorageReader(r)) return r;
    }
    return new FileSystemStorage(
      'node-storage',
      { rootDirectory: 'storage', compressInWorker: false },
      config.node.dataDir,
    );
  };
  return [
    {
      prefix: VISUALIZER_PREFIX,
      errorStatus: VISUALIZER_ERROR_STATUS,
      routes: ({ manager, config, onStop }) => {
        // The pipeline's index database when one is configured, else the default SQLite directory (past runs).
        let db: IndexDatabase | undefined;
        for (const name of Object.keys(config.pipeline.resources)) {
          const r = manager.resource(name);
          if (isIndexDatabaseResource(r)) {
            db = r.indexDatabase;
            break;
          }
        }
        db ??= new SqliteIndexDatabase('visualizer-index', { directory: 'index' }, config.node.dataDir);
        // An index that points into storage reads chunks from the pipeline's storage (else the default directory),
        // also for runs no indexer of this node has touched yet.
        if (db.attachChunkSource) db.attachChunkSource(chunkSourceOf(pipelineStorage(manager, config)));
        const service = new VisualizerService(db);
        // The engine's tick, for the live feed's index lag: the first configured SimulationEngine that runs.
        const engineName = Object.entries(config.pipeline.services).find(
          ([, s]) => s.className === 'SimulationEngine',
        )?.[0];
        const feed = new LiveFeed(service, () => {
          if (!engineName) return undefined;
          try {
            const engine = manager.instanceOf(engineName) as { simulationRunId?: string } | undefined;
            const tick = Number(manager.serviceStatus(engineName).metrics.current_tick ?? NaN);
            return engine?.simulationRunId && Number.isFinite(tick)
              ? { runId: engine.simulationRunId, tick }
              : undefined;
          } catch {
            return undefined; // not started yet
          }
        });
        onStop(() => feed.close());
        return visualizerRoutes(service, feed);
      },
    },
    {
      prefix: ANALYZER_PREFIX,
      errorStatus: ANALYZER_ERROR_STATUS,
      routes: ({ manager, config }) => {
        // The analytics of the pipeline's storage when it offers them, else the default storage directory; the
        // same storage's batches give genotypes' genomes.
        const store = pipelineStorage(manager, config);
        return analyzerRoutes(new AnalyzerService(store, undefined, store));
      },
    },
    { prefix: '', routes: () => staticRoutes(undefined, { openApi: nodeOpenApi }) },
  ];
}
