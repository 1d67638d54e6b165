/**
 * Tracing building blocks: W3C trace context in and out of messages, the tracing configuration, the lazily
 * started SDK (off: the no-op tracer; on: spans reach an OTLP/HTTP receiver on loopback), and every transport's
 * promise to hand a message's trace context to its consumer unchanged (in-memory topic, NATS codec headers).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_TRACING } from '../../../src/config/config-schema.js';
import { loadConfig } from '../../../src/config/loader.js';
import type { ResourceContext } from '../../../src/pipeline/api/resource.js';
import type { TopicReader, TopicWriter } from '../../../src/pipeline/api/topic.js';
import { MessageCodec } from '../../../src/pipeline/resources/nats/message-codec.js';
import { InMemoryTopic } from '../../../src/pipeline/resources/topics/in-memory-topic.js';
import { NOOP_TRACER, TRACING_OFF } from '../../../src/pipeline/tracing/pipeline-tracing.js';
import { startTracing } from '../../../src/pipeline/tracing/start-tracing.js';
import {
  contextFrom,
  contextOf,
  formatTraceparent,
  injectTraceContext,
  parseTraceContext,
} from '../../../src/pipeline/tracing/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('trace context (W3C traceparent)', () => {
  it('reads a valid traceparent and writes it back byte for byte', () => {
    const sc = parseTraceContext({ traceparent: `00-${TRACE}-${SPAN_ID}-01`, tracestate: 'vendor=x,other=y' });
    expect(sc).toMatchObject({ traceId: TRACE, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(sc!.traceState!.get('vendor')).toBe('x');
    expect(formatTraceparent(sc!)).toBe(`00-${TRACE}-${SPAN_ID}-01`);
    expect(formatTraceparent({ ...sc!, traceFlags: TraceFlags.NONE })).toBe(`00-${TRACE}-${SPAN_ID}-00`);
  });

  it('ignores what is not a valid context (a new trace begins; nothing fails)', () => {
    for (const traceparent of [
      '',
      'garbage',
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`, // all-zero trace id
      `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
      `ff-${TRACE}-${SPAN_ID}-01`, // version ff is forbidden
      `00-${TRACE.toUpperCase()}-${SPAN_ID}-01`, // upper case hex
      `00-${TRACE}-${SPAN_ID}-01-extra`, // version 00 has exactly four fields
      `00-${TRACE.slice(1)}-${SPAN_ID}-01`,
    ])
      expect(parseTraceContext({ traceparent }), traceparent).toBeUndefined();
    expect(parseTraceContext(undefined)).toBeUndefined();
    expect(contextFrom(undefined)).toBe(ROOT_CONTEXT);
    // A later version may append fields; a reader of version 00 takes the first four.
    expect(parseTraceContext({ traceparent: `01-${TRACE}-${SPAN_ID}-01-more` })?.traceId).toBe(TRACE);
  });

  it('injects nothing for the no-op tracer, so untraced messages keep their shape', () => {
    const span = NOOP_TRACER.startSpan('x');
    expect(span.isRecording()).toBe(false);
    expect(injectTraceContext(span)).toBeUndefined();
    expect(TRACING_OFF.enabled).toBe(false);
  });

  it('carries a span to a child in another place: same trace, the sender as parent', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const sender = tracing.tracer.startSpan('sender');
    const carrier = injectTraceContext(sender)!;
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // What a consumer does with the carrier it received (the object survives a JSON round trip, as on NATS).
    const received = JSON.parse(JSON.stringify(carrier)) as typeof carrier;
    const child = tracing.tracer.startSpan('receiver', {}, contextFrom(received));
    const grandChild = tracing.tracer.startSpan('inner', {}, contextOf(child));
    for (const s of [grandChild, child, sender]) s.end();
    await tracing.flush();
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const s = byName.get('sender')!.spanContext();
    expect(byName.get('receiver')!.spanContext().traceId).toBe(s.traceId);
    expect(byName.get('receiver')!.parentSpanContext?.spanId).toBe(s.spanId);
    expect(byName.get('inner')!.parentSpanContext?.spanId).toBe(byName.get('receiver')!.spanContext().spanId);
    await tracing.shutdown();
  });

  it('samples by ratio at the first span and lets every later span follow its parent', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true, sampleRatio: 0 }, { exporter });
    const root = tracing.tracer.startSpan('root');
    expect(root.isRecording()).toBe(false);
    // An unsampled context still travels (flags 00), so the consumer does not sample what the producer dropped.
    const carrier = injectTraceContext(root)!;
    expect(carrier.traceparent.endsWith('-00')).toBe(true);
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(tracing.tracer.startSpan('child', {}, contextFrom(carrier)).isRecording()).toBe(false);
    expect(tracing.tracer.startSpan('sampled child', {}, sampledParent).isRecording()).toBe(true);
    await tracing.shutdown();
  });
});

describe('tracing configuration', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'evo-trace-cfg-'));

  it('is off by default, and off starts nothing', async () => {
    const { config } = loadConfig({ cwd, env: {} });
    expect(config.tracing).toEqual(DEFAULT_TRACING);
    expect(config.tracing.enabled).toBe(false);
    expect(await startTracing(config.tracing)).toBe(TRACING_OFF);
  });

  it('is set like any key: --set and environment variables, checked against its spec', () => {
    const { config } = loadConfig({
      cwd,
      env: { EVOCHORA_TRACING_ENABLED: 'true', EVOCHORA_TRACING_SERVICE_NAME: 'indexer-host' },
      overrides: [
        'tracing.sampleRatio=0.25',
        'tracing.endpoint=http://jaeger:4318/v1/traces',
        'tracing.exporter=console',
      ],
    });
    expect(config.tracing).toMatchObject({
      enabled: true,
      serviceName: 'indexer-host',
      sampleRatio: 0.25,
      endpoint: 'http://jaeger:4318/v1/traces',
      exporter: 'console',
    });
    for (const bad of ['tracing.sampleRatio=1.5', 'tracing.exporter=zipkin', 'tracing.serviceName='])
      expect(() => loadConfig({ cwd, env: {}, overrides: [bad] }), bad).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
  });
});

/** A minimal OTLP/HTTP receiver: records every POST with its path, headers and body. */
async function otlpReceiver(): Promise<{
  url: string;
  requests: Array<{ path: string; headers: IncomingMessage['headers']; body: string }>;
}> {
  const requests: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, requests };
}

interface OtlpJson {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{
      scope: { name: string };
      spans: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
      }>;
    }>;
  }>;
}

describe('OTLP/HTTP export', () => {
  it('sends the spans as OTLP JSON to the configured endpoint, with the configured headers, on shutdown', async () => {
    const receiver = await otlpReceiver();
    const tracing = await startTracing(
      {
        ...DEFAULT_TRACING,
        enabled: true,
        endpoint: receiver.url,
        headers: { authorization: 'Bearer t0ken' },
        serviceName: 'evo-test',
      },
      { version: '9.9.9' },
    );
    const parent = tracing.tracer.startSpan('evochora.batch.persist', { attributes: { 'evochora.run_id': 'r1' } });
    const child = tracing.tracer.startSpan('evochora.batch.notify', {}, contextOf(parent));
    child.end();
    parent.end();
    expect(receiver.requests).toHaveLength(0); // batched: nothing is sent on the span's path
    await tracing.shutdown();
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
    const req = receiver.requests[0]!;
    expect(req.path).toBe('/v1/traces');
    expect(req.headers['content-type']).toMatch(/application\/json/);
    expect(req.headers.authorization).toBe('Bearer t0ken');
    const body = JSON.parse(req.body) as OtlpJson;
    const rs = body.resourceSpans[0]!;
    const attr = (k: string): string | undefined => rs.resource.attributes.find((a) => a.key === k)?.value.stringValue;
    expect(attr('service.name')).toBe('evo-test');
    expect(attr('service.version')).toBe('9.9.9');
    const spans = rs.scopeSpans.flatMap((s) => s.spans);
    const p = spans.find((s) => s.name === 'evochora.batch.persist')!;
    const c = spans.find((s) => s.name === 'evochora.batch.notify')!;
    expect(p.traceId).toBe(parent.spanContext().traceId);
    expect(c.traceId).toBe(p.traceId);
    expect(c.parentSpanId).toBe(p.spanId);
    expect(p.attributes).toContainEqual({ key: 'evochora.run_id', value: { stringValue: 'r1' } });
    // Shut down: later spans go nowhere, and a second shutdown is harmless.
    tracing.tracer.startSpan('late').end();
    await tracing.shutdown();
    expect(receiver.requests).toHaveLength(1);
  });
});

function ctx(usageType: string, parameters: Record<string, string> = {}): ResourceContext {
  return { serviceName: 's', portName: 'topic', usageType, resourceName: 't', parameters };
}

describe('transports hand the trace context to the consumer', () => {
  const carrier = { traceparent: `00-${TRACE}-${SPAN_ID}-01`, tracestate: 'k=v' };

  it('in-memory topic: to every group, with redeliveries; absent when published without', async () => {
    const topic = new InMemoryTopic<number>('t', { ackTimeoutMs: 60_000, maxRetained: 100 });
    const writer = topic.bind(ctx('topic-write')).port as TopicWriter<number>;
    const a = topic.bind(ctx('topic-read', { consumerGroup: 'a' })).port as TopicReader<number>;
    const b = topic.bind(ctx('topic-read', { consumerGroup: 'b' })).port as TopicReader<number>;
    await writer.publish(1, { traceContext: carrier });
    await writer.publish(2);
    const [m1, m2] = await a.receive(10, 0);
    expect(m1!.traceContext).toEqual(carrier);
    expect(m2).not.toHaveProperty('traceContext');
    expect((await b.receive(1, 0))[0]!.traceContext).toEqual(carrier);
    await a.nack(m1!);
    const again = (await a.receive(1, 0))[0]!;
    expect([again.deliveryCount, again.traceContext]).toEqual([2, carrier]);
  });

  it('NATS codec: as traceparent/tracestate headers, put back on the decoded message', () => {
    for (const compression of ['zstd', 'none'] as const) {
      const codec = new MessageCodec(compression);
      const chunk = {
        simulationRunId: 'run',
        firstTick: 0,
        lastTick: 9,
        tickCount: 10,
        data: new Uint8Array(1000).fill(7),
        traceContext: carrier,
      };
      const enc = codec.encode(chunk);
      expect(enc.headers.get('traceparent')).toBe(carrier.traceparent);
      expect(enc.headers.get('tracestate')).toBe('k=v');
      expect(enc.headers.get('Evochora-Fields')).not.toContain('traceparent');
      const decoded = codec.decode<typeof chunk>(enc.body, enc.headers);
      expect({ ...decoded, data: new Uint8Array(decoded.data) }).toEqual(chunk);
      // A JSON-bodied message (no single byte field) the same way.
      const json = { a: 1, b: 'x', traceContext: { traceparent: carrier.traceparent } };
      const encJson = codec.encode(json);
      expect(Buffer.from(encJson.body).toString()).not.toContain('traceparent');
      expect(codec.decode(encJson.body, encJson.headers)).toEqual(json);
      // Without a context nothing is added on either side.
      const { traceContext: _dropped, ...plain } = chunk;
      const encPlain = codec.encode(plain);
      expect(encPlain.headers.get('traceparent')).toBe('');
      expect(codec.decode(encPlain.body, encPlain.headers)).not.toHaveProperty('traceContext');
    }
  });
});
