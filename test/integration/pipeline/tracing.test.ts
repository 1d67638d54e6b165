/**
 * Tracing of a batch's life in a recording pipeline in one process: engine → tick queue → persistence →
 * batch topic → the environment, organism and analytics indexers. With tracing on, every batch has one trace
 * from its first chunk's production to each indexer's commit, with the right parents and attributes; with it
 * off, nothing is recorded and the SDK is never loaded; a node-owned tracer exports its last spans over
 * OTLP/HTTP when the pipeline shuts down.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_TRACING, type EvochoraConfig } from '../../../src/config/config-schema.js';
import { defaultRegistry } from '../../../src/pipeline/registry.js';
import { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import type { PipelineTracing } from '../../../src/pipeline/tracing/pipeline-tracing.js';
import { startTracing } from '../../../src/pipeline/tracing/start-tracing.js';
import { SPAN } from '../../../src/pipeline/tracing/span-names.js';
import { indexingConfig, recordAndIndex, waitUntil } from '../indexing/helpers.js';
import { quietLogger } from './helpers.js';

let dir: string;
let sm: ServiceManager | undefined;
let tracing: PipelineTracing | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-tracing-'));
});

afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  await tracing?.shutdown();
  tracing = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** engine → queue → persistence → topic → environment, organism and analytics indexers. */
function tracedConfig(): EvochoraConfig {
  const c = indexingConfig(dir, { engine: { maxTicks: 47, samplingInterval: 1 }, maxBatchSize: 3 });
  c.pipeline.services['analytics-indexer-1'] = {
    className: 'AnalyticsIndexer',
    resources: {
      topic: 'topic-read:batch-topic?consumerGroup=analytics',
      storage: 'storage-read:tick-storage',
      analytics: 'analytics-write:tick-storage',
      dlq: 'queue-out:indexer-dlq',
    },
    options: { pollTimeoutMs: 50, flushIntervalMs: 200 },
  };
  c.pipeline.startupSequence.unshift('analytics-indexer-1');
  return c;
}

async function record(config: EvochoraConfig): Promise<{ runId: string; chunks: number; batches: number }> {
  sm = await ServiceManager.create({
    config,
    registry: defaultRegistry(),
    logger: quietLogger,
    ...(tracing ? { tracing } : {}),
  });
  const { runId } = await recordAndIndex(sm);
  const topic = sm.resource('batch-topic') as unknown as { backlog(g: string): number };
  await waitUntil(() => topic.backlog('analytics') === 0, 60_000, 'analytics to catch up');
  const engine = sm.instanceOf('simulation-engine') as SimulationEngine;
  const chunks = Number(engine.metrics().chunks_sent);
  const batches = Number(sm.serviceStatus('persistence-1').metrics.batches_written);
  await sm.shutdown();
  sm = undefined;
  return { runId, chunks, batches };
}

const attr = (s: ReadableSpan, key: string): unknown => s.attributes[key];

describe('tracing a batch through the pipeline', () => {
  it('gives every batch one trace: produced → queued → persisted → notified → each indexer commit', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const { runId, chunks, batches } = await record(tracedConfig());
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const named = (name: string): ReadableSpan[] => spans.filter((s) => s.name === name);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan): ReadableSpan | undefined => byId.get(s.parentSpanContext?.spanId ?? '');

    expect(chunks).toBeGreaterThan(3);
    expect(batches).toBeGreaterThan(1);
    // Spans per chunk and per batch, never per tick.
    expect(named(SPAN.chunkProduced)).toHaveLength(chunks);
    expect(named(SPAN.chunkQueued)).toHaveLength(chunks);
    const persisted = named(SPAN.batchPersisted);
    expect(persisted).toHaveLength(batches);
    expect(named(SPAN.batchNotified)).toHaveLength(batches);
    // Metadata indexer's notifications are traced as well (their own traces); the three batch indexers once per batch.
    const commits = named(SPAN.indexCommit).filter((s) => attr(s, 'messaging.consumer.group.name') !== 'metadata');
    expect(commits).toHaveLength(3 * batches);

    for (const p of persisted) {
      const traceId = p.spanContext().traceId;
      expect(p.kind).toBe(SpanKind.CONSUMER);
      expect(p.status.code).not.toBe(SpanStatusCode.ERROR);
      // Parent: the queue put of the batch's first chunk, itself a child of that chunk's production.
      const queued = parentOf(p)!;
      expect(queued.name).toBe(SPAN.chunkQueued);
      const produced = parentOf(queued)!;
      expect(produced.name).toBe(SPAN.chunkProduced);
      expect(produced.parentSpanContext).toBeUndefined(); // the root of the trace
      for (const s of [queued, produced]) expect(s.spanContext().traceId).toBe(traceId);
      expect(attr(produced, 'evochora.tick.first')).toBe(attr(p, 'evochora.tick.first'));
      // The other chunks of the batch are linked (each began its own trace).
      const chunkCount = attr(p, 'evochora.chunk.count') as number;
      expect(p.links).toHaveLength(chunkCount - 1);
      for (const l of p.links) expect(byId.get(l.context.spanId)?.name).toBe(SPAN.chunkQueued);
      expect(attr(p, 'evochora.run_id')).toBe(runId);
      expect(attr(p, 'evochora.service')).toBe('persistence-1');
      expect(attr(p, 'evochora.bytes')).toBeGreaterThan(0);
      const key = attr(p, 'evochora.storage.key') as string;
      const first = attr(p, 'evochora.tick.first') as number;
      const last = attr(p, 'evochora.tick.last') as number;
      expect(key).toContain(`batch_${String(first).padStart(19, '0')}_${String(last).padStart(19, '0')}`);

      const notified = named(SPAN.batchNotified).filter((s) => s.parentSpanContext?.spanId === p.spanContext().spanId);
      expect(notified).toHaveLength(1);
      expect(notified[0]!.spanContext().traceId).toBe(traceId);
      const mine = commits.filter((c) => c.parentSpanContext?.spanId === notified[0]!.spanContext().spanId);
      expect(mine.map((c) => attr(c, 'messaging.consumer.group.name')).sort()).toEqual([
        'analytics',
        'environment',
        'organism',
      ]);
      for (const c of mine) {
        expect(c.spanContext().traceId).toBe(traceId);
        expect(c.parentSpanContext?.isRemote).toBe(true); // continued from the message, not from memory
        expect([attr(c, 'evochora.run_id'), attr(c, 'evochora.storage.key')]).toEqual([runId, key]);
        expect([attr(c, 'evochora.tick.first'), attr(c, 'evochora.tick.last')]).toEqual([first, last]);
        expect(c.endTime[0] * 1e9 + c.endTime[1]).toBeGreaterThanOrEqual(p.startTime[0] * 1e9 + p.startTime[1]);
      }
    }
  });

  it("gives the run's metadata one trace: queued by the engine → persisted → the metadata indexer's commit", async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const { runId } = await record(tracedConfig());
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const queued = spans.filter((s) => s.name === SPAN.metadataQueued);
    expect(queued).toHaveLength(1);
    const q = queued[0]!;
    expect(q.kind).toBe(SpanKind.PRODUCER);
    expect(q.parentSpanContext).toBeUndefined();
    expect([attr(q, 'evochora.run_id'), attr(q, 'evochora.service')]).toEqual([runId, 'simulation-engine']);
    expect(attr(q, 'evochora.bytes')).toBeGreaterThan(0);
    const persisted = spans.filter((s) => s.name === SPAN.metadataPersisted);
    expect(persisted).toHaveLength(1);
    const p = persisted[0]!;
    expect(p.kind).toBe(SpanKind.CONSUMER);
    expect(p.spanContext().traceId).toBe(q.spanContext().traceId);
    expect(p.parentSpanContext?.spanId).toBe(q.spanContext().spanId);
    expect(p.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(attr(p, 'evochora.storage.key')).toContain(runId);
    const commits = spans.filter(
      (s) => s.name === SPAN.indexCommit && attr(s, 'messaging.consumer.group.name') === 'metadata',
    );
    expect(commits).toHaveLength(1);
    expect(commits[0]!.spanContext().traceId).toBe(q.spanContext().traceId);
    expect(commits[0]!.parentSpanContext?.spanId).toBe(p.spanContext().spanId);
    expect(commits[0]!.parentSpanContext?.isRemote).toBe(true);
  });

  it('traces catch-up: one scan span per indexer, and each stored batch it indexes is a trace of its own', async () => {
    // Record without indexers: the batches are stored and their notifications go nowhere.
    const recordOnly = tracedConfig();
    for (const [name, s] of Object.entries(recordOnly.pipeline.services))
      if (s.className.endsWith('Indexer')) delete recordOnly.pipeline.services[name];
    recordOnly.pipeline.startupSequence = recordOnly.pipeline.startupSequence.filter(
      (n) => recordOnly.pipeline.services[n] !== undefined,
    );
    sm = await ServiceManager.create({ config: recordOnly, registry: defaultRegistry(), logger: quietLogger });
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 30_000, 'engine');
    await sm.stopAll();
    const batches = Number(sm.serviceStatus('persistence-1').metrics.batches_written);
    await sm.shutdown();
    sm = undefined;
    expect(batches).toBeGreaterThan(1);

    // Indexers only, tracing on: everything they index comes from the start-up scan.
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const indexOnly = tracedConfig();
    for (const [name, s] of Object.entries(indexOnly.pipeline.services))
      if (!s.className.endsWith('Indexer')) delete indexOnly.pipeline.services[name];
    indexOnly.pipeline.startupSequence = indexOnly.pipeline.startupSequence.filter(
      (n) => indexOnly.pipeline.services[n] !== undefined,
    );
    const batchIndexers = ['environment-indexer-1', 'organism-indexer-1', 'analytics-indexer-1'];
    sm = await ServiceManager.create({ config: indexOnly, registry: defaultRegistry(), logger: quietLogger, tracing });
    await sm.startAll();
    await waitUntil(
      () => batchIndexers.every((s) => Number(sm!.serviceStatus(s).metrics.catch_up_batches_indexed) === batches),
      60_000,
      'catch-up',
    );
    await sm.shutdown();
    sm = undefined;
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const scans = spans.filter((s) => s.name === SPAN.indexCatchUpScan);
    expect(scans.map((s) => attr(s, 'evochora.service')).sort()).toEqual([...batchIndexers, 'metadata-indexer'].sort());
    for (const s of scans) {
      const items = attr(s, 'evochora.service') === 'metadata-indexer' ? 1 : batches;
      expect([attr(s, 'evochora.run.count'), attr(s, 'evochora.batch.count')]).toEqual([1, items]);
    }
    const caughtUp = spans.filter((s) => s.name === SPAN.indexCatchUp);
    const metadataCatchUp = caughtUp.filter((s) => attr(s, 'evochora.service') === 'metadata-indexer');
    expect(metadataCatchUp).toHaveLength(1);
    expect(attr(metadataCatchUp[0]!, 'evochora.storage.key')).toContain('metadata');
    const batchCatchUp = caughtUp.filter((s) => attr(s, 'evochora.service') !== 'metadata-indexer');
    expect(batchCatchUp).toHaveLength(3 * batches);
    for (const s of batchCatchUp) {
      expect(s.parentSpanContext).toBeUndefined();
      expect(s.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(attr(s, 'evochora.storage.key')).toMatch(/batch_\d{19}_\d{19}/);
      expect(attr(s, 'evochora.tick.last')).toBeGreaterThanOrEqual(attr(s, 'evochora.tick.first') as number);
    }
    // No notifications were delivered, so nothing was committed through the topic.
    expect(
      spans.filter((s) => s.name === SPAN.indexCommit && attr(s, 'messaging.consumer.group.name') !== 'metadata'),
    ).toEqual([]);
  });

  it('records nothing with tracing off', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ ...DEFAULT_TRACING }, { exporter });
    expect(tracing.enabled).toBe(false);
    const { batches } = await record(tracedConfig());
    expect(batches).toBeGreaterThan(1);
    await tracing.flush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('a node-owned tracer (config tracing.*) exports its last spans over OTLP/HTTP when the pipeline shuts down', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(Buffer.concat(parts).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const config = tracedConfig();
      const port = (server.address() as { port: number }).port;
      config.tracing = {
        ...DEFAULT_TRACING,
        enabled: true,
        endpoint: `http://127.0.0.1:${port}/v1/traces`,
        serviceName: 'evochora-test-node',
      };
      const { batches } = await record(config); // shutdown() inside flushes the provider the manager started
      const spans = bodies.flatMap((b) =>
        (
          JSON.parse(b) as {
            resourceSpans: Array<{
              resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
              scopeSpans: Array<{
                spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string }>;
              }>;
            }>;
          }
        ).resourceSpans.flatMap((rs) => {
          expect(rs.resource.attributes).toContainEqual({
            key: 'service.name',
            value: { stringValue: 'evochora-test-node' },
          });
          return rs.scopeSpans.flatMap((s) => s.spans);
        }),
      );
      expect(spans.filter((s) => s.name === SPAN.batchPersisted)).toHaveLength(batches);
      // The last batch's indexer commits ended moments before shutdown: they were exported too.
      const persisted = spans.filter((s) => s.name === SPAN.batchPersisted);
      const lastTrace = persisted[persisted.length - 1]!.traceId;
      expect(spans.filter((s) => s.name === SPAN.indexCommit && s.traceId === lastTrace).length).toBe(3);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('loads the SDK only when tracing is on (CLI start-up does not pay for it)', () => {
    // A fresh process: create a pipeline from the built code and look for the SDK among the loaded modules.
    const script = `
      import { createRequire } from 'node:module';
      import pino from 'pino';
      const { ServiceManager } = await import('./dist/src/pipeline/service-manager.js');
      const { defaultRegistry } = await import('./dist/src/pipeline/registry.js');
      const { loadConfig } = await import('./dist/src/config/loader.js');
      const { config } = loadConfig({ env: {}, cwd: process.argv[2], overrides: process.argv.slice(3) });
      const sm = await ServiceManager.create({ config, registry: defaultRegistry(), logger: pino({ level: 'silent' }) });
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('sdk-trace-base'));
      await sm.shutdown();
      console.log(JSON.stringify({ loaded }));
    `;
    const root = resolve(__dirname, '../../..');
    const run = (...sets: string[]): boolean =>
      (
        JSON.parse(
          execFileSync(process.execPath, ['--input-type=module', '-e', script, dir, ...sets], {
            cwd: root,
            encoding: 'utf8',
          }).trim(),
        ) as { loaded: boolean }
      ).loaded;
    expect(run(`pipeline.autoStart=false`)).toBe(false);
    expect(run(`pipeline.autoStart=false`, 'tracing.enabled=true', 'tracing.exporter=console')).toBe(true);
  });
});
