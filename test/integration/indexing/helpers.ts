import type { EvochoraConfig } from '../../../src/config/config-schema.js';
import type { IndexDatabase } from '../../../src/pipeline/api/index-database.js';
import type { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultErrorMapper, HttpRouter } from '../../../src/http/http-router.js';
import { VISUALIZER_ERROR_STATUS, VISUALIZER_PREFIX, visualizerRoutes } from '../../../src/visualizer/routes.js';
import { VisualizerService } from '../../../src/visualizer/visualizer-service.js';
import { staticRoutes } from '../../../src/web/static-routes.js';
import { manager, recordingConfig, waitUntil } from '../pipeline/helpers.js';

export { manager, waitUntil };

/** The recording pipeline plus topics, the SQLite index and the three indexers. */
export function indexingConfig(
  dataDir: string,
  opts: Parameters<typeof recordingConfig>[1] & { indexers?: number } = {},
): EvochoraConfig {
  const base = recordingConfig(dataDir, opts);
  const p = base.pipeline;
  p.resources['batch-topic'] = { className: 'InMemoryTopic', options: { ackTimeoutMs: 30_000 } };
  p.resources['metadata-topic'] = { className: 'InMemoryTopic', options: {} };
  p.resources['index-database'] = { className: 'SqliteIndexDatabase', options: { directory: 'index' } };
  p.resources['indexer-dlq'] = { className: 'FileSystemDeadLetterQueue', options: { directory: 'dlq/indexers' } };
  for (const [name, s] of Object.entries(p.services)) {
    if (s.className === 'PersistenceService') s.resources.topic = 'topic-write:batch-topic';
    if (s.className === 'MetadataPersistenceService') s.resources.topic = 'topic-write:metadata-topic';
    void name;
  }
  const n = opts.indexers ?? 1;
  const indexers: string[] = ['metadata-indexer'];
  p.services['metadata-indexer'] = {
    className: 'MetadataIndexer',
    resources: {
      topic: 'topic-read:metadata-topic?consumerGroup=metadata',
      storage: 'storage-read:tick-storage',
      database: 'db-meta-write:index-database',
      dlq: 'queue-out:indexer-dlq',
    },
    options: { pollTimeoutMs: 50 },
  };
  for (let i = 1; i <= n; i++) {
    p.services[`environment-indexer-${i}`] = {
      className: 'EnvironmentIndexer',
      resources: {
        topic: 'topic-read:batch-topic?consumerGroup=environment',
        storage: 'storage-read:tick-storage',
        database: 'db-env-write:index-database',
        dlq: 'queue-out:indexer-dlq',
      },
      options: { pollTimeoutMs: 50, retryBackoffMs: 5 },
    };
    p.services[`organism-indexer-${i}`] = {
      className: 'OrganismIndexer',
      resources: {
        topic: 'topic-read:batch-topic?consumerGroup=organism',
        storage: 'storage-read:tick-storage',
        database: 'db-organism-write:index-database',
        dlq: 'queue-out:indexer-dlq',
      },
      options: { pollTimeoutMs: 50, retryBackoffMs: 5 },
    };
    indexers.push(`environment-indexer-${i}`, `organism-indexer-${i}`);
  }
  p.startupSequence = [...indexers, ...p.startupSequence];
  return base;
}

/** Records until the engine stops (maxTicks) and every announced batch is indexed; returns the run id. */
export async function recordAndIndex(
  sm: ServiceManager,
): Promise<{ runId: string; db: SqliteIndexDatabase & IndexDatabase }> {
  await sm.startAll();
  const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
  await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 60_000, 'engine to finish');
  const runId = engine.simulationRunId;
  // Persistence drains what is queued when stopped; then wait until every consumer group has nothing left.
  for (const name of sm.serviceNames())
    if (name === 'metadata-persistence' || name.startsWith('persistence-')) await sm.stop(name);
  const topic = sm.resource('batch-topic') as unknown as { backlog(g: string): number };
  const meta = sm.resource('metadata-topic') as unknown as { backlog(g: string): number };
  await waitUntil(
    () => topic.backlog('environment') === 0 && topic.backlog('organism') === 0 && meta.backlog('metadata') === 0,
    60_000,
    'indexers to catch up',
  );
  return { runId, db: sm.resource('index-database') as SqliteIndexDatabase & IndexDatabase };
}

/**
 * The visualizer API (and, with `withStatic`, the web UI's files) over an index, on a loopback port, as the node
 * mounts them; errors the mapper did not expect land in `unexpected`.
 */
export async function serveVisualizer(
  db: IndexDatabase,
  unexpected: unknown[],
  withStatic = false,
): Promise<{ server: Server; base: string }> {
  const router = new HttpRouter(() => 'token');
  router.mount(
    VISUALIZER_PREFIX,
    visualizerRoutes(new VisualizerService(db)),
    defaultErrorMapper(VISUALIZER_ERROR_STATUS, (e) => unexpected.push(e)),
  );
  if (withStatic)
    router.mount(
      '',
      staticRoutes(),
      defaultErrorMapper({}, (e) => unexpected.push(e)),
    );
  const server = createServer((req, res) => void router.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
