import { describe, expect, it, vi } from 'vitest';
import type { QueueConsumer, QueueProducer } from '../../../src/pipeline/api/queue.js';
import { MissingPortError } from '../../../src/pipeline/api/service.js';
import { splitDelimited } from '../../../src/pipeline/contracts/framing.js';
import {
  chunkMessageOf,
  TickDataChunk,
  type ChunkMessage,
  type DeadLetterMessageProps,
} from '../../../src/pipeline/contracts/index.js';
import type { BatchObject, BatchStorageWriter, BatchWriteResult } from '../../../src/pipeline/api/batch-storage.js';
import { InMemoryIdempotencyTracker } from '../../../src/pipeline/resources/idempotency-tracker.js';
import { batchKey } from '../../../src/pipeline/resources/storage-keys.js';
import { PersistenceService } from '../../../src/pipeline/services/persistence-service.js';
import { persistenceServiceType } from '../../../src/pipeline/services/persistence-service-type.js';
import { capturingLogger, syntheticChunk, syntheticMessages, waitUntil } from './fixtures.js';
import { resolveOptions } from '../../../src/config/resolve-options.js';
import { ChunkLease } from '../../../src/pipeline/api/chunk-lease.js';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_TRACING } from '../../../src/config/config-schema.js';
import type { TopicWriter, PublishOptions } from '../../../src/pipeline/api/topic.js';
import type { BatchInfo } from '../../../src/pipeline/contracts/index.js';
import { startTracing } from '../../../src/pipeline/tracing/start-tracing.js';
import { SPAN } from '../../../src/pipeline/tracing/span-names.js';
import { injectTraceContext, parseTraceContext } from '../../../src/pipeline/tracing/trace-context.js';

/** A scripted queue: hands out the queued batches in order, then waits (abortably) for more. */
class MockQueue implements QueueConsumer<ChunkMessage> {
  batches: ChunkMessage[][] = [];
  calls = 0;
  private wake: (() => void) | undefined;

  push(batch: ChunkMessage[]): void {
    this.batches.push(batch);
    this.wake?.();
  }

  async receiveBatch(max: number, timeoutMs: number, signal?: AbortSignal): Promise<ChunkMessage[]> {
    this.calls++;
    if (this.batches.length === 0 && timeoutMs > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
    const next = this.batches.shift();
    if (!next) return [];
    if (next.length > max) {
      this.batches.unshift(next.slice(max));
      return next.slice(0, max);
    }
    return next;
  }
}

class MockStorage implements BatchStorageWriter {
  writes: Array<{ key: string; chunks: readonly ChunkMessage[] }> = [];
  failures: Array<NodeJS.ErrnoException> = [];
  attempts = 0;
  /** The objects a write reports (a redelivered batch's may differ from its key); default: the one written. */
  objectsOf?: (key: string, chunks: readonly ChunkMessage[]) => BatchObject[];

  batchKey(runId: string, first: number, last: number): string {
    return batchKey(runId, first, last);
  }

  async writeBatch(key: string, chunks: readonly ChunkMessage[]): Promise<BatchWriteResult> {
    this.attempts++;
    const f = this.failures.shift();
    if (f) throw f;
    this.writes.push({ key, chunks });
    const ticks = chunks.reduce((s, c) => s + c.tickCount, 0);
    const firstTick = chunks[0]!.firstTick;
    const lastTick = chunks.at(-1)!.lastTick;
    const objects = this.objectsOf?.(key, chunks) ?? [
      { key, firstTick, lastTick, sizeBytes: 100, chunkCount: chunks.length, tickCount: ticks },
    ];
    return {
      key,
      simulationRunId: chunks[0]!.simulationRunId,
      firstTick,
      lastTick,
      chunkCount: chunks.length,
      tickCount: ticks,
      bytesWritten: 100,
      rawBytes: 1000,
      objects,
    };
  }

  async writeMetadata(): Promise<never> {
    throw new Error('not used');
  }
}

class MockDlq implements QueueProducer<DeadLetterMessageProps> {
  messages: DeadLetterMessageProps[] = [];
  full = false;
  async put(m: DeadLetterMessageProps): Promise<void> {
    if (this.full) throw new Error('DLQ full');
    this.messages.push(m);
  }
  offer(m: DeadLetterMessageProps): boolean {
    this.messages.push(m);
    return true;
  }
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated failure, write`), { code });
}

function make(ports: Record<string, unknown>, options: Record<string, unknown> = {}, tracer?: Tracer) {
  const log = capturingLogger();
  const service = new PersistenceService({
    name: 'persistence-1',
    logger: log.logger,
    dataDir: '.',
    ports,
    ...(tracer ? { tracer } : {}),
    options: resolveOptions(persistenceServiceType.options, {
      maxBatchSize: 10,
      batchTimeoutSeconds: 0.02,
      maxRetries: 3,
      retryBackoffMs: 1,
      ...options,
    }),
  });
  return { service, log };
}

describe('PersistenceService (seed 04 rules, mocked neighbours)', () => {
  it('drains a batch, writes it under the key derived from the first chunk, and counts it', async () => {
    const queue = new MockQueue();
    const storage = new MockStorage();
    const { service, log } = make({ input: queue, storage });
    queue.push(syntheticMessages('run-x', 3));
    service.start();
    await waitUntil(() => storage.writes.length === 1);
    await service.stop();
    expect(storage.writes[0]!.key).toBe('run-x/raw/000/000/batch_0000000000000000000_0000000000000000014.pb.zst');
    const m = service.metrics();
    expect(m).toMatchObject({
      batches_written: 1,
      chunks_written: 3,
      ticks_written: 15,
      bytes_written: 100,
      batches_failed: 0,
      duplicate_ticks_detected: 0,
      current_batch_size: 3,
    });
    expect(m.write_latency_ms).toBeGreaterThanOrEqual(0);
    expect(log.at('debug').some((l) => l.startsWith('Successfully wrote batch run-x/raw/'))).toBe(true);
    expect(log.at('warn')).toEqual([]);
    expect(log.at('error')).toEqual([]);
    expect(log.at('info')[0]).toMatch(/PersistenceService initialized: maxBatchSize=10/);
  });

  it('respects maxBatchSize: 25 chunks with maxBatchSize 10 become files of 10, 10 and 5', async () => {
    const queue = new MockQueue();
    const storage = new MockStorage();
    const { service } = make({ input: queue, storage });
    queue.push(syntheticMessages('run-x', 25));
    service.start();
    await waitUntil(() => storage.writes.length === 3);
    await service.stop();
    expect(storage.writes.map((w) => w.chunks.length)).toEqual([10, 10, 5]);
  });

  it('sends a batch mixing run ids to the DLQ and logs the violation', async () => {
    const storage = new MockStorage();
    const dlq = new MockDlq();
    const { service, log } = make({ input: new MockQueue(), storage, dlq });
    const batch = [...syntheticMessages('run-a', 1), ...syntheticMessages('run-b', 1)];
    await service.processBatch(batch);
    expect(storage.attempts).toBe(0);
    expect(dlq.messages).toHaveLength(1);
    expect(dlq.messages[0]!.failureReason).toBe('Batch contains mixed simulationRunIds');
    expect(service.metrics().batches_failed).toBe(1);
    expect(log.at('error').some((l) => l.startsWith('Batch consistency violation'))).toBe(true);
    expect(service.errors().map((e) => e.code)).toContain('BATCH_CONSISTENCY');
  });

  it('with a tracker: skips duplicate chunks, counts their ticks and logs an error', async () => {
    const storage = new MockStorage();
    const tracker = new InMemoryIdempotencyTracker('ids');
    const { service, log } = make({ input: new MockQueue(), storage, idempotencyTracker: tracker });
    const msgs = syntheticMessages('run-a', 3);
    await service.processBatch(msgs.slice(0, 2));
    await service.processBatch(msgs.slice(1, 3)); // chunk 1 again
    expect(storage.writes.map((w) => w.chunks.map((c) => c.firstTick))).toEqual([[0, 5], [10]]);
    expect(service.metrics().duplicate_ticks_detected).toBe(5);
    expect(log.at('error')).toEqual(['DUPLICATE TICK DETECTED: run-a:5 - this indicates a bug']);
    await service.processBatch(msgs.slice(0, 1));
    expect(log.at('warn')).toEqual(['Entire batch was duplicates, skipping']);
    expect(storage.writes).toHaveLength(2);
  });

  it('without a tracker: writes duplicates as they come (no checking)', async () => {
    const storage = new MockStorage();
    const { service } = make({ input: new MockQueue(), storage });
    const msgs = syntheticMessages('run-a', 1);
    await service.processBatch(msgs);
    await service.processBatch(msgs);
    expect(storage.writes).toHaveLength(2);
    expect(service.metrics().duplicate_ticks_detected).toBe(0);
  });

  it('retries with exponential backoff and succeeds', async () => {
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'), errno('EACCES'));
    const dlq = new MockDlq();
    const { service, log } = make({ input: new MockQueue(), storage, dlq }, { retryBackoffMs: 5 });
    await service.processBatch(syntheticMessages('run-a', 2));
    expect(storage.attempts).toBe(3);
    expect(storage.writes).toHaveLength(1);
    expect(dlq.messages).toHaveLength(0);
    expect(log.at('warn')).toEqual([
      expect.stringMatching(/attempt 1\/3\): EIO.*retrying in 5ms$/),
      expect.stringMatching(/attempt 2\/3\): EACCES.*retrying in 10ms$/),
    ]);
    expect(service.metrics()).toMatchObject({ batches_written: 1, batches_failed: 0, write_retries: 2 });
    expect(service.healthy()).toBe(true);
  });

  it('waits out a full disk without counting attempts or dead-lettering, then reports healthy again', async () => {
    const storage = new MockStorage();
    // Twice as many ENOSPC failures as the retry limit allows for other errors, then SQLite's and a quota's.
    for (let i = 0; i < 6; i++) storage.failures.push(errno('ENOSPC'));
    storage.failures.push(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    storage.failures.push(errno('EDQUOT'));
    const dlq = new MockDlq();
    const { service, log } = make(
      { input: new MockQueue(), storage, dlq },
      { retryBackoffMs: 20, maxRetryBackoffMs: 40, maxRetries: 3 },
    );
    const waiting = service.processBatch(syntheticMessages('run-a', 2));
    await vi.waitFor(() => expect(service.metrics().disk_full).toBe(1), { interval: 2 });
    expect(service.healthy()).toBe(false);
    expect(service.errors().map((e) => e.code)).toEqual(['DISK_FULL']);
    expect(service.errors()[0]!.message).toMatch(/disk is full.*Free space or move node\.dataDir/);
    await waiting;
    expect(storage.attempts).toBe(9);
    expect(storage.writes).toHaveLength(1);
    expect(dlq.messages).toHaveLength(0);
    expect(service.metrics()).toMatchObject({
      batches_written: 1,
      batches_failed: 0,
      write_retries: 0,
      disk_full: 0,
      disk_full_episodes_total: 1,
    });
    expect(service.healthy()).toBe(true);
    expect(log.at('info')).toContainEqual(expect.stringMatching(/disk has space again: writing resumed after/));
  });

  it('after the last retry sends a DeadLetterMessage with the full batch and its metadata', async () => {
    const storage = new MockStorage();
    storage.failures.push(errno('EACCES'), errno('EACCES'), errno('EACCES'), errno('EACCES'));
    const dlq = new MockDlq();
    const { service, log } = make({ input: new MockQueue(), storage, dlq });
    const msgs = syntheticMessages('run-a', 3);
    await service.processBatch(msgs);
    expect(storage.attempts).toBe(4);
    expect(dlq.messages).toHaveLength(1);
    const d = dlq.messages[0]!;
    expect(d).toMatchObject({
      messageType: 'TickDataChunk[]',
      retryCount: 3,
      sourceService: 'persistence-1',
      failureReason: expect.stringMatching(/EACCES/),
    });
    expect(d.metadata).toMatchObject({
      simulationRunId: 'run-a',
      startTick: '0',
      endTick: '14',
      tickCount: '15',
      chunkCount: '3',
      errorCode: 'EACCES',
      storageKey: 'run-a/raw/000/000/batch_0000000000000000000_0000000000000000014.pb.zst',
    });
    expect(d.stackTraceLines!.length).toBeGreaterThan(0);
    expect(d.firstFailureTimeMs).toBeLessThanOrEqual(d.lastFailureTimeMs as number);
    const recovered = splitDelimited(d.originalMessage!);
    expect(recovered.map((b) => TickDataChunk.decode(b).firstTick)).toEqual([0, 5, 10]);
    expect(Buffer.from(recovered[1]!).equals(Buffer.from(msgs[1]!.data))).toBe(true);
    expect(service.metrics()).toMatchObject({ batches_failed: 1, dlq_messages_sent: 1 });
    expect(log.at('error')).toEqual([expect.stringMatching(/^Failed to write batch .* after 3 retries: EACCES/)]);
    expect(log.at('info')).toContain('Sent failed batch to DLQ: 15 ticks');
    expect(service.healthy()).toBe(false);
  });

  it('without a DLQ a failed batch is logged as lost and recorded', async () => {
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'));
    const { service, log } = make({ input: new MockQueue(), storage }, { maxRetries: 0 });
    await service.processBatch(syntheticMessages('run-a', 1));
    expect(log.at('error')).toContain('Failed batch has no DLQ configured, data will be lost: 5 ticks');
    expect(service.errors().map((e) => e.code)).toEqual(['BATCH_WRITE_FAILED', 'DLQ_NOT_CONFIGURED']);
  });

  it('a full DLQ is reported, not thrown', async () => {
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'));
    const dlq = new MockDlq();
    dlq.full = true;
    const { service } = make({ input: new MockQueue(), storage, dlq }, { maxRetries: 0 });
    await service.processBatch(syntheticMessages('run-a', 1));
    expect(service.errors().map((e) => e.code)).toContain('DLQ_SEND_FAILED');
  });

  it('graceful shutdown: a stop during a receive writes the batch in hand and drains what is queued', async () => {
    const queue = new MockQueue();
    const storage = new MockStorage();
    const { service } = make({ input: queue, storage }, { batchTimeoutSeconds: 30 });
    service.start();
    await waitUntil(() => queue.calls >= 1);
    queue.batches.push(syntheticMessages('run-a', 2), [chunkMessageOf(syntheticChunk('run-a', 10))]);
    await service.stop();
    expect(service.state).toBe('STOPPED');
    expect(storage.writes.flatMap((w) => w.chunks.map((c) => c.firstTick))).toEqual([0, 5, 10]);
  });

  it('a stop during retry backoff stops retrying and dead-letters the batch instead of losing it', async () => {
    const queue = new MockQueue();
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'), errno('EIO'));
    const dlq = new MockDlq();
    const { service, log } = make({ input: queue, storage, dlq }, { retryBackoffMs: 60_000 });
    queue.push(syntheticMessages('run-a', 1));
    service.start();
    await waitUntil(() => storage.attempts === 1);
    await service.stop();
    expect(dlq.messages).toHaveLength(1);
    expect(log.at('info')).toContain('Stop requested during retry backoff, aborting retries');
  });

  it('honours pause between batches: the receive in flight is written, then nothing until resume', async () => {
    const queue = new MockQueue();
    const storage = new MockStorage();
    const { service } = make({ input: queue, storage }, { batchTimeoutSeconds: 30 });
    service.start();
    await waitUntil(() => queue.calls === 1);
    service.pause();
    queue.push(syntheticMessages('run-a', 1));
    await waitUntil(() => storage.writes.length === 1);
    queue.batches.push([chunkMessageOf(syntheticChunk('run-a', 5))]);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(queue.calls).toBe(1);
    expect(storage.writes).toHaveLength(1);
    service.resume();
    await waitUntil(() => storage.writes.length === 2);
    await service.stop();
  });

  it('validates its configuration and required ports', () => {
    const ports = { input: new MockQueue(), storage: new MockStorage() };
    expect(() => make(ports, { maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => make(ports, { batchTimeoutSeconds: 0 })).toThrow(/batchTimeoutSeconds/);
    expect(() => make(ports, { maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => make(ports, { retryBackoffMs: -5 })).toThrow(/retryBackoffMs/);
    expect(() => make({ input: new MockQueue() })).toThrow(MissingPortError);
    expect(() => make({ storage: new MockStorage() })).toThrow(/port 'input'/);
  });

  it('writes up to maxWritesInFlight batches at once, but announces and commits them in order', async () => {
    const queue = new MockQueue() as MockQueue & { commit(b: readonly ChunkMessage[]): Promise<void> };
    const committed: number[] = [];
    queue.commit = async (b) => {
      committed.push(b[0]!.firstTick);
    };
    const published: number[] = [];
    const topic = { publish: async (info: { tickStart: number }) => void published.push(Number(info.tickStart)) };
    // Writes finish in reverse order of their start; at most 3 may run at once.
    let running = 0;
    let maxRunning = 0;
    const release: Array<() => void> = [];
    const storage = new MockStorage();
    const write = storage.writeBatch.bind(storage);
    storage.writeBatch = async (key, chunks) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return write(key, chunks);
    };
    const { service } = make({ input: queue, storage, topic }, { maxBatchSize: 2, maxWritesInFlight: 3 });
    const msgs = syntheticMessages('run-o', 12);
    for (let i = 0; i < 12; i += 2) queue.push(msgs.slice(i, i + 2));
    service.start();
    for (let round = 0; round < 2; round++) {
      await waitUntil(() => release.length === 3);
      const batch = release.splice(0, 3);
      for (const r of batch.reverse()) {
        r();
        await new Promise((x) => setImmediate(x));
      }
    }
    await waitUntil(() => committed.length === 6);
    await service.stop();
    expect(maxRunning).toBe(3);
    expect(published).toEqual([0, 10, 20, 30, 40, 50]);
    expect(committed).toEqual([0, 10, 20, 30, 40, 50]);
    expect(service.metrics()).toMatchObject({ batches_written: 6, chunks_written: 12 });
  });

  it('announces every object the storage says holds the batch, not the key it asked for', async () => {
    // A redelivered batch that earlier objects hold wholly: nothing new is stored under its own key.
    const storage = new MockStorage();
    storage.objectsOf = () => [
      { key: 'run-r/raw/a', firstTick: 0, lastTick: 9, sizeBytes: 70 },
      { key: 'run-r/raw/b', firstTick: 10, lastTick: 14, sizeBytes: 30, chunkCount: 1, tickCount: 5 },
    ];
    const published: BatchInfo[] = [];
    const topic = { publish: async (info: BatchInfo) => void published.push(info) };
    const queue = new MockQueue();
    queue.push(syntheticMessages('run-r', 3));
    const { service } = make({ input: queue, storage, topic });
    service.start();
    await waitUntil(() => published.length === 2);
    await service.stop();
    expect(published.map((b) => [b.storageKey, Number(b.tickStart), Number(b.tickEnd), b.bytes, b.tickCount])).toEqual([
      ['run-r/raw/a', 0, 9, 70, 0],
      ['run-r/raw/b', 10, 14, 30, 5],
    ]);
    expect(published.every((b) => b.simulationRunId === 'run-r')).toBe(true);
  });

  it('without a backlog (partial batches) it writes one batch at a time, so chunks gather into larger batches', async () => {
    const queue = new MockQueue();
    let running = 0;
    let maxRunning = 0;
    const storage = new MockStorage();
    const write = storage.writeBatch.bind(storage);
    storage.writeBatch = async (key, chunks) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return write(key, chunks);
    };
    const { service } = make({ input: queue, storage }, { maxBatchSize: 10, maxWritesInFlight: 4 });
    const msgs = syntheticMessages('run-p', 8);
    for (const m of msgs) queue.push([m]);
    service.start();
    await waitUntil(() => storage.writes.length === 8);
    await service.stop();
    expect(maxRunning).toBe(1);
  });

  it('rejects a maxWritesInFlight below 1', () => {
    expect(() => make({ input: new MockQueue(), storage: new MockStorage() }, { maxWritesInFlight: 0 })).toThrow(
      /maxWritesInFlight/,
    );
  });
});

describe('PersistenceService spans', () => {
  it('one span per batch: the first chunk as parent, the others linked, retries as events, the notification as child', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'), errno('EACCES'));
    const published: Array<{ info: BatchInfo; options?: PublishOptions }> = [];
    const topic: TopicWriter<BatchInfo> = {
      publish: async (info, options) => {
        published.push({ info, ...(options ? { options } : {}) });
      },
    };
    const { service } = make({ input: new MockQueue(), storage, topic }, { retryBackoffMs: 1 }, tracing.tracer);
    const senders = [0, 1, 2].map((i) => tracing.tracer.startSpan(`queue ${i}`));
    const batch = syntheticMessages('run-t', 3).map((m, i) => ({
      ...m,
      traceContext: injectTraceContext(senders[i]!)!,
    }));
    await service.processBatch(batch);
    for (const s of senders) s.end();
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const persist = spans.find((s) => s.name === SPAN.batchPersisted)!;
    expect(persist.parentSpanContext?.spanId).toBe(senders[0]!.spanContext().spanId);
    expect(persist.spanContext().traceId).toBe(senders[0]!.spanContext().traceId);
    expect(persist.links.map((l) => l.context.spanId)).toEqual([1, 2].map((i) => senders[i]!.spanContext().spanId));
    expect(persist.events.map((e) => [e.name, e.attributes?.attempt, e.attributes?.['exception.message']])).toEqual([
      ['retry', 1, 'EIO: simulated failure, write'],
      ['retry', 2, 'EACCES: simulated failure, write'],
    ]);
    expect(persist.status.code).toBe(SpanStatusCode.UNSET);
    expect(persist.attributes).toMatchObject({
      'evochora.run_id': 'run-t',
      'evochora.tick.first': 0,
      'evochora.tick.last': 14,
      'evochora.chunk.count': 3,
      'evochora.tick.count': 15,
      'evochora.bytes': 100,
      'evochora.attempts': 3,
      'evochora.service': 'persistence-1',
    });
    const notify = spans.find((s) => s.name === SPAN.batchNotified)!;
    expect(notify.parentSpanContext?.spanId).toBe(persist.spanContext().spanId);
    // The notification carries the notify span's context to the indexers.
    expect(published).toHaveLength(1);
    expect(parseTraceContext(published[0]!.options?.traceContext)?.spanId).toBe(notify.spanContext().spanId);
    await tracing.shutdown();
  });

  it('a batch that ends in the DLQ is an error with its exception and a dead-lettered event', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ ...DEFAULT_TRACING, enabled: true }, { exporter });
    const storage = new MockStorage();
    storage.failures.push(errno('EIO'), errno('EIO'));
    const dlq = new MockDlq();
    const { service } = make({ input: new MockQueue(), storage, dlq }, { maxRetries: 1 }, tracing.tracer);
    await service.processBatch(syntheticMessages('run-f', 2));
    await tracing.flush();
    const persist = exporter.getFinishedSpans().find((s) => s.name === SPAN.batchPersisted)!;
    expect(dlq.messages).toHaveLength(1);
    expect(persist.parentSpanContext).toBeUndefined(); // chunks without a context: the batch begins a trace
    expect(persist.status).toEqual({ code: SpanStatusCode.ERROR, message: 'EIO: simulated failure, write' });
    expect(persist.events.map((e) => e.name)).toEqual(['retry', 'exception', 'dead-lettered']);
    expect(persist.attributes['evochora.attempts']).toBe(2);
    await tracing.shutdown();
  });

  it("lets go of a message's share of reused memory once its batch is stored and committed, never when dead-lettered", async () => {
    const queue = new MockQueue() as MockQueue & { commit(b: readonly ChunkMessage[]): Promise<void> };
    let commits = 0;
    queue.commit = async () => {
      commits++;
    };
    const storage = new MockStorage();
    const dlq = new MockDlq();
    const { service } = make({ input: queue, storage, dlq }, { maxBatchSize: 2, maxRetries: 0 });
    const given: number[] = [];
    const leased = (msgs: ChunkMessage[], from: number) =>
      msgs.map((m, i) => ({ ...m, lease: new ChunkLease(() => given.push(from + i)) }));
    const stored = leased(syntheticMessages('run-l', 2), 0);
    // The storage holds a share of the first batch, as a cache does: its memory is not reused yet.
    const cacheShares = stored.map((m) => m.lease.retain());
    queue.push(stored);
    service.start();
    await waitUntil(() => commits === 1);
    expect(stored.map((m) => m.lease.released)).toEqual([false, false]);
    expect(given).toEqual([]);
    for (const s of cacheShares) s.release();
    expect(given).toEqual([0, 1]);
    // A batch that fails for good goes to the DLQ (a copy of its bytes) and keeps its share.
    const failed = leased(syntheticMessages('run-m', 2), 10);
    storage.failures.push(errno('EIO'));
    queue.push(failed);
    await waitUntil(() => commits === 2);
    await service.stop();
    expect(dlq.messages).toHaveLength(1);
    expect(failed.map((m) => m.lease.released)).toEqual([false, false]);
    expect(given).toEqual([0, 1]);
  });
});
