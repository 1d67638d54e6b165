/**
 * Tracing across hosts: a recording host (engine → JetStream tick queue → persistence → JetStream batch topic)
 * and an indexing host (environment indexer) with tracers of their own, as two processes would have, connected
 * only through NATS. Each indexer commit continues the trace of the batch's persistence span: the context
 * crossed the JetStream queue (chunk → persistence) and the topic (notification → indexer) in message headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_TRACING, type EvochoraConfig } from '../../src/config/config-schema.js';
import { defaultRegistry } from '../../src/pipeline/registry.js';
import { ServiceManager } from '../../src/pipeline/service-manager.js';
import type { PipelineTracing } from '../../src/pipeline/tracing/pipeline-tracing.js';
import { startTracing } from '../../src/pipeline/tracing/start-tracing.js';
import { SPAN } from '../../src/pipeline/tracing/span-names.js';
import { startNatsCluster, type NatsCluster } from './harness/nats.js';
import { stopAllStarted, waitFor } from './harness/proc.js';

const logger = pino({ level: process.env.EVO_TEST_LOG ?? 'silent' });
let dir: string;
let cluster: NatsCluster;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-trace-dist-'));
  cluster = await startNatsCluster(join(dir, 'nats'), 1);
});

afterAll(async () => {
  await cluster?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

function hostConfig(
  resources: EvochoraConfig['pipeline']['resources'],
  services: EvochoraConfig['pipeline']['services'],
): EvochoraConfig {
  return {
    node: {
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      stopTimeoutMs: 30_000,
      readyTimeoutMs: 30_000,
      readAccess: 'open',
    },
    logging: { level: 'silent', format: 'json', levels: {} },
    tracing: { ...DEFAULT_TRACING },
    pipeline: {
      autoStart: false,
      startupSequence: Object.keys(services),
      serviceStopTimeoutMs: 60_000,
      resources,
      services,
    },
  };
}

describe('tracing over NATS JetStream', () => {
  it('the persistence span in one host and the indexer span in another share one trace id', async () => {
    const nats = { servers: cluster.servers, replicas: 1, storage: 'file' };
    const storage = { className: 'FileSystemStorage', options: { rootDirectory: 'storage' } };
    const recording = hostConfig(
      {
        'tick-queue': {
          className: 'JetStreamQueue',
          options: { ...nats, maxMessages: 64, maxBytes: 64 * 1024 * 1024 },
        },
        'batch-topic': { className: 'JetStreamTopic', options: { ...nats } },
        'tick-storage': storage,
      },
      {
        persistence: {
          className: 'PersistenceService',
          resources: {
            input: 'queue-in:tick-queue',
            storage: 'storage-write:tick-storage',
            topic: 'topic-write:batch-topic',
          },
          options: { maxBatchSize: 3, batchTimeoutSeconds: 0.2 },
        },
        'simulation-engine': {
          className: 'SimulationEngine',
          resources: { tickData: 'queue-out:tick-queue' },
          options: {
            environment: { shape: [64, 64], topology: 'TORUS' },
            organisms: [{ program: 'builtin:counter', energy: 5000, positions: [[5, 5]] }],
            samplingInterval: 1,
            accumulatedDeltaInterval: 2,
            snapshotInterval: 3,
            maxTicks: 35,
          },
        },
      },
    );
    const indexing = hostConfig(
      {
        'batch-topic': { className: 'JetStreamTopic', options: { ...nats } },
        'tick-storage': storage,
        'index-database': { className: 'SqliteIndexDatabase', options: { directory: 'index' } },
      },
      {
        'environment-indexer': {
          className: 'EnvironmentIndexer',
          resources: {
            topic: 'topic-read:batch-topic?consumerGroup=environment',
            storage: 'storage-read:tick-storage',
            database: 'db-env-write:index-database',
          },
          options: { pollTimeoutMs: 100, catchUp: false },
        },
      },
    );

    const recorderSpans = new InMemorySpanExporter();
    const indexerSpans = new InMemorySpanExporter();
    const tracers: PipelineTracing[] = [
      await startTracing(
        { ...DEFAULT_TRACING, enabled: true, serviceName: 'recording-host' },
        { exporter: recorderSpans },
      ),
      await startTracing(
        { ...DEFAULT_TRACING, enabled: true, serviceName: 'indexing-host' },
        { exporter: indexerSpans },
      ),
    ];
    const registry = defaultRegistry();
    const indexer = await ServiceManager.create({ config: indexing, registry, logger, tracing: tracers[1] });
    const recorder = await ServiceManager.create({ config: recording, registry, logger, tracing: tracers[0] });
    try {
      await indexer.startAll();
      await recorder.startAll();
      await waitFor('the engine to finish', () => recorder.stateOf('simulation-engine') === 'STOPPED', 60_000);
      await recorder.stop('persistence');
      const batches = Number(recorder.serviceStatus('persistence').metrics.batches_written);
      expect(batches).toBeGreaterThan(1);
      await waitFor(
        'every batch indexed',
        () => Number(indexer.serviceStatus('environment-indexer').metrics.notifications_processed) >= batches,
        60_000,
      );
      await indexer.stopAll();
      for (const t of tracers) await t.flush();

      const persisted = recorderSpans.getFinishedSpans().filter((s) => s.name === SPAN.batchPersisted);
      const notified = recorderSpans.getFinishedSpans().filter((s) => s.name === SPAN.batchNotified);
      const commits = indexerSpans.getFinishedSpans().filter((s) => s.name === SPAN.indexCommit);
      expect(persisted).toHaveLength(batches);
      expect(commits.length).toBeGreaterThanOrEqual(batches);
      // The indexing host recorded no span of the recording host: only NATS connects the two.
      // (Its own start-up scan for unindexed batches is a span of its own, and finds nothing here.)
      const own = indexerSpans.getFinishedSpans();
      expect(own.every((s) => s.name === SPAN.indexCommit || s.name === SPAN.indexCatchUpScan)).toBe(true);
      for (const s of own.filter((x) => x.name === SPAN.indexCatchUpScan))
        expect(s.attributes['evochora.batch.count'] ?? 0).toBe(0);
      expect(indexerSpans.getFinishedSpans()[0]!.resource.attributes['service.name']).toBe('indexing-host');
      for (const p of persisted) {
        // Across the JetStream queue: the persistence span's parent is the first chunk's queue span.
        const queued = recorderSpans
          .getFinishedSpans()
          .find((s) => s.spanContext().spanId === p.parentSpanContext?.spanId);
        expect(queued?.name).toBe(SPAN.chunkQueued);
        expect(p.parentSpanContext?.isRemote).toBe(true);
        // Across the JetStream topic: the indexer commit's parent is this batch's notify span.
        const notify = notified.find((n) => n.parentSpanContext?.spanId === p.spanContext().spanId)!;
        const mine = commits.filter((c) => c.parentSpanContext?.spanId === notify.spanContext().spanId);
        expect(mine.length).toBeGreaterThanOrEqual(1);
        for (const c of mine) {
          expect(c.spanContext().traceId).toBe(p.spanContext().traceId);
          expect(c.attributes['evochora.storage.key']).toBe(p.attributes['evochora.storage.key']);
        }
      }
    } finally {
      await recorder.shutdown();
      await indexer.shutdown();
      for (const t of tracers) await t.shutdown();
    }
  });
});
