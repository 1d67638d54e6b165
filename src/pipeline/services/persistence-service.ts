/**
 * PersistenceService: a competing consumer of the tick queue. It drains up to `maxBatchSize` chunks (or
 * whatever arrived within `batchTimeoutSeconds`), checks that the batch belongs to one run, optionally drops
 * duplicates (a bug signal, counted), and writes the batch as one file under a deterministic key, retrying
 * with exponential backoff. A batch that still fails becomes a DeadLetterMessage on the DLQ, never silently
 * dropped. Stopping writes the batch in hand and then drains what is left in the queue.
 *
 * All work happens in the service's own loop; nothing runs in the background.
 */
import { EvochoraError } from '../../errors.js';
import { concatDelimited } from '../contracts/framing.js';
import type { ChunkMessage, DeadLetterMessageProps } from '../contracts/index.js';
import type { Metrics } from '../api/monitorable.js';
import type { QueueConsumer, QueueProducer } from '../api/queue.js';
import { AbstractService, type ServiceContext } from '../api/service.js';
import { sleep } from '../api/sleep.js';
import { DiskFullWait } from '../api/disk-full-wait.js';
import { SlidingWindowRate } from '../api/sliding-window-rate.js';

import { releaseChunks, type BatchStorageWriter } from '../api/batch-storage.js';
import type { IdempotencyTracker } from '../resources/idempotency-tracker.js';
import type { TopicWriter } from '../api/topic.js';
import { BatchInfo } from '../contracts/index.js';
import { PipelineErrorCode } from '../error-codes.js';
import { SpanKind, type Link, type Span } from '@opentelemetry/api';
import { ATTR, EVENT, SPAN } from '../tracing/span-names.js';
import { contextFrom, contextOf, injectTraceContext, parseTraceContext } from '../tracing/trace-context.js';
import { failSpan, recordRetry } from '../tracing/span-outcomes.js';
import type { PersistenceServiceOptions } from './persistence-service-options.js';

export const DEAD_LETTER_TYPE_CHUNKS = 'TickDataChunk[]';

export type { PersistenceServiceOptions };

export class PersistenceService extends AbstractService<PersistenceServiceOptions> {
  private readonly input: QueueConsumer<ChunkMessage>;
  private readonly storage: BatchStorageWriter;
  private readonly dlq: QueueProducer<DeadLetterMessageProps> | undefined;
  private readonly tracker: IdempotencyTracker | undefined;
  /** Optional `topic-write` port: announces each written batch (BatchInfo) to the indexers. */
  private readonly topic: TopicWriter<BatchInfo> | undefined;
  private readonly opts: PersistenceServiceOptions;

  private batchesWritten = 0;
  private chunksWritten = 0;
  private ticksWritten = 0;
  private bytesWritten = 0;
  private rawBytesWritten = 0;
  private batchesFailed = 0;
  private duplicateTicks = 0;
  private currentBatchSize = 0;
  private retries = 0;
  private deadLettered = 0;
  private lastLatencyMs = 0;
  private latencyTotalMs = 0;
  private readonly tickRate = new SlidingWindowRate();
  private readonly byteRate = new SlidingWindowRate();
  private readonly diskFull = new DiskFullWait(this.name, this.logger, {
    record: (code, message) => this.recordError(code, message),
    resolve: (code) => this.resolveErrors(code),
  });

  constructor(context: ServiceContext<PersistenceServiceOptions>) {
    super(context);
    this.input = this.port<QueueConsumer<ChunkMessage>>('input');
    this.storage = this.port<BatchStorageWriter>('storage');
    this.dlq = context.ports.dlq as QueueProducer<DeadLetterMessageProps> | undefined;
    this.tracker = context.ports.idempotencyTracker as IdempotencyTracker | undefined;
    this.topic = context.ports.topic as TopicWriter<BatchInfo> | undefined;
    this.opts = context.options;
    const n = this.name;
    this.logger.info(
      { service: n, ...this.opts, idempotency: this.tracker !== undefined, dlq: this.dlq !== undefined },
      `PersistenceService initialized: maxBatchSize=${this.opts.maxBatchSize}, batchTimeout=${this.opts.batchTimeoutSeconds}s, maxRetries=${this.opts.maxRetries}, idempotency=${this.tracker ? 'enabled' : 'disabled'}`,
    );
  }

  protected async run(): Promise<void> {
    const timeoutMs = Math.max(1, Math.round(this.opts.batchTimeoutSeconds * 1000));
    // Up to maxWritesInFlight batches are written at once when there is a backlog, so one is compressed
    // while the previous one is fsynced. Each batch still completes in order: it is announced on the topic and committed to the queue
    // only after every earlier batch was.
    const inFlight: Promise<void>[] = [];
    let previous: Promise<void> = Promise.resolve();
    const submit = async (batch: readonly ChunkMessage[]): Promise<void> => {
      while (inFlight.length >= this.opts.maxWritesInFlight) await inFlight.shift();
      const before = previous;
      const done = (async () => {
        const stored = await this.processBatch(batch, before);
        await before;
        await this.input.commit?.(batch); // acknowledge only after the batch is stored (or dead-lettered)
        // Stored and committed: nothing redelivers these messages, and their bytes may be reused once the
        // storage's own share is let go too. Dead-lettered ones keep theirs.
        if (stored) releaseChunks(batch);
      })();
      previous = done.catch(() => undefined); // a failed commit fails the run (below), not the next batch
      inFlight.push(done);
    };
    while (!this.stopRequested) {
      await this.checkPause();
      if (this.stopRequested) break;
      const batch = await this.input.receiveBatch(this.opts.maxBatchSize, timeoutMs, this.signal);
      if (batch.length === 0) continue;
      this.logger.debug({ service: this.name, chunks: batch.length }, `Drained ${batch.length} chunks from queue`);
      // A batch in hand is always written, even when a stop arrives meanwhile.
      await submit(batch);
      // Only a backlog (a full batch) is written in parallel; otherwise let chunks gather while the writes
      // finish, so batches stay as large as they would be written one at a time (fewer files, better ratio).
      if (batch.length < this.opts.maxBatchSize) while (inFlight.length > 0) await inFlight.shift();
    }
    // Graceful shutdown: producers stop first, so write what is still queued (bounded by drainOnStopMs).
    const deadline = Date.now() + this.opts.drainOnStopMs;
    let drained = 0;
    while (Date.now() < deadline) {
      const batch = await this.input.receiveBatch(this.opts.maxBatchSize, 0);
      if (batch.length === 0) break;
      drained += batch.length;
      await submit(batch);
    }
    while (inFlight.length > 0) await inFlight.shift();
    if (drained > 0)
      this.logger.info({ service: this.name, chunks: drained }, `Shutdown requested, wrote ${drained} queued chunks`);
  }

  /**
   * Validates, deduplicates and writes one batch. Never throws: failures end in the DLQ. Resolves true when every
   * chunk of it is in storage (written now, or before: duplicates), false when it was dead-lettered.
   */
  async processBatch(batch: readonly ChunkMessage[], after: Promise<void> = Promise.resolve()): Promise<boolean> {
    if (batch.length === 0) return true;
    const span = this.startBatchSpan(batch);
    try {
      return await this.persist(batch, after, span);
    } finally {
      span.end();
    }
  }

  /**
   * The batch's span continues the trace of its first chunk (the one the batch file is named after); the other
   * chunks' traces are linked, so each chunk's trace leads to the batch that stored it.
   */
  private startBatchSpan(batch: readonly ChunkMessage[]): Span {
    const first = batch[0]!;
    const last = batch[batch.length - 1]!;
    const links: Link[] = [];
    for (let i = 1; i < batch.length; i++) {
      const sc = parseTraceContext(batch[i]!.traceContext);
      if (sc) links.push({ context: sc });
    }
    return this.tracer.startSpan(
      SPAN.batchPersisted,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          [ATTR.service]: this.name,
          [ATTR.runId]: first.simulationRunId,
          [ATTR.firstTick]: first.firstTick,
          [ATTR.lastTick]: last.lastTick,
          [ATTR.chunkCount]: batch.length,
          [ATTR.tickCount]: batch.reduce((n, c) => n + c.tickCount, 0),
        },
      },
      contextFrom(first.traceContext),
    );
  }

  private async persist(batch: readonly ChunkMessage[], after: Promise<void>, span: Span): Promise<boolean> {
    this.currentBatchSize = batch.length;
    const first = batch[0]!;
    const last = batch[batch.length - 1]!;
    const mixed = batch.find((c) => c.simulationRunId !== first.simulationRunId);
    if (first.simulationRunId !== last.simulationRunId || mixed !== undefined) {
      const other = mixed?.simulationRunId ?? last.simulationRunId;
      this.logger.error(
        { service: this.name, first: first.simulationRunId, other },
        `Batch consistency violation: run ids '${first.simulationRunId}' and '${other}' in one batch`,
      );
      this.recordError('BATCH_CONSISTENCY', `batch mixes runs '${first.simulationRunId}' and '${other}'`);
      const err = new EvochoraError(PipelineErrorCode.MIXED_RUN_IDS, 'Batch contains mixed simulationRunIds');
      failSpan(span, err);
      await this.sendToDlq(batch, 'Batch contains mixed simulationRunIds', 0, err, '', Date.now(), span);
      this.batchesFailed++;
      return false;
    }

    let chunks = batch;
    if (this.tracker) {
      const kept: ChunkMessage[] = [];
      for (const c of batch) {
        const key = `${c.simulationRunId}:${c.firstTick}`;
        if (!this.tracker.checkAndMark(key)) {
          this.duplicateTicks += c.tickCount;
          this.logger.error({ service: this.name, key }, `DUPLICATE TICK DETECTED: ${key} - this indicates a bug`);
          this.recordError('DUPLICATE_TICK', `duplicate chunk ${key} (${c.tickCount} ticks) skipped`);
          continue;
        }
        kept.push(c);
      }
      if (kept.length < batch.length) span.addEvent('duplicates-skipped', { count: batch.length - kept.length });
      if (kept.length === 0) {
        this.logger.warn({ service: this.name }, 'Entire batch was duplicates, skipping');
        return true;
      }
      chunks = kept;
    }

    const runId = chunks[0]!.simulationRunId;
    let key: string;
    try {
      key = this.storage.batchKey(runId, chunks[0]!.firstTick, chunks[chunks.length - 1]!.lastTick);
    } catch (err) {
      this.batchesFailed++;
      this.recordError('BATCH_WRITE_FAILED', `cannot name a batch of run '${runId}': ${(err as Error).message}`);
      failSpan(span, err);
      await this.sendToDlq(chunks, (err as Error).message, 0, err, '', Date.now(), span);
      return false;
    }
    span.setAttribute(ATTR.storageKey, key);
    return this.writeWithRetry(key, chunks, after, span);
  }

  /** Announces a written batch; the notification carries this span's context to every indexer. */
  private async notify(info: BatchInfo, parent: Span): Promise<void> {
    if (!this.topic) return;
    const span = this.tracer.startSpan(
      SPAN.batchNotified,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR.service]: this.name,
          [ATTR.runId]: info.simulationRunId,
          [ATTR.firstTick]: Number(info.tickStart),
          [ATTR.lastTick]: Number(info.tickEnd),
          [ATTR.storageKey]: info.storageKey,
        },
      },
      contextOf(parent),
    );
    try {
      const traceContext = injectTraceContext(span);
      await this.topic.publish(info, traceContext ? { traceContext } : undefined);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  /** Writes, retries, dead-letters; announces a written batch only once `after` (the previous batch) is done. */
  private async writeWithRetry(
    key: string,
    chunks: readonly ChunkMessage[],
    after: Promise<void>,
    span: Span,
  ): Promise<boolean> {
    let attempt = 0;
    let backoff = this.opts.retryBackoffMs;
    let lastError: unknown;
    let waitedForSpace = false;
    const firstFailure = Date.now();
    while (attempt <= this.opts.maxRetries) {
      const started = performance.now();
      try {
        const r = await this.storage.writeBatch(key, chunks);
        await after;
        // Announce after the files are visible; a failed publish retries the (idempotent) write and publish.
        for (const o of r.objects)
          await this.notify(
            BatchInfo.create({
              simulationRunId: r.simulationRunId,
              storageKey: o.key,
              tickStart: o.firstTick,
              tickEnd: o.lastTick,
              writtenAtMs: Date.now(),
              chunkCount: o.chunkCount,
              tickCount: o.tickCount,
              bytes: o.sizeBytes,
            }),
            span,
          );
        this.diskFull.onSuccess();
        span.setAttributes({ [ATTR.bytes]: r.bytesWritten, [ATTR.rawBytes]: r.rawBytes, [ATTR.attempts]: attempt + 1 });
        const ms = performance.now() - started;
        this.lastLatencyMs = ms;
        this.latencyTotalMs += ms;
        this.batchesWritten++;
        this.chunksWritten += r.chunkCount;
        this.ticksWritten += r.tickCount;
        this.bytesWritten += r.bytesWritten;
        this.rawBytesWritten += r.rawBytes;
        this.tickRate.record(r.tickCount);
        this.byteRate.record(r.bytesWritten);
        this.logger.debug(
          { service: this.name, key, ticks: r.tickCount, bytes: r.bytesWritten },
          `Successfully wrote batch ${key} with ${r.tickCount} ticks`,
        );
        return true;
      } catch (err) {
        lastError = err;
        if (this.diskFull.onError(err, `batch ${key}`)) {
          // Not an attempt: the batch waits for space (and the queue, then the engine, wait behind it).
          if (!waitedForSpace)
            span.addEvent(EVENT.diskFull, { [ATTR.errorCode]: (err as NodeJS.ErrnoException).code ?? '' });
          waitedForSpace = true;
          if (await sleep(Math.min(backoff, this.opts.maxRetryBackoffMs), this.signal)) {
            this.logger.info({ service: this.name, key }, 'Stop requested while waiting for disk space');
            break;
          }
          backoff = Math.min(backoff * 2, this.opts.maxRetryBackoffMs);
          continue;
        }
        attempt++;
        const message = (err as Error).message;
        if (attempt <= this.opts.maxRetries) {
          this.retries++;
          recordRetry(span, attempt, err, backoff);
          this.logger.warn(
            { service: this.name, key, attempt, code: (err as NodeJS.ErrnoException).code },
            `Failed to write batch ${key} (attempt ${attempt}/${this.opts.maxRetries}): ${message}, retrying in ${backoff}ms`,
          );
          const interrupted = await sleep(backoff, this.signal);
          if (interrupted) {
            this.logger.info({ service: this.name, key }, 'Stop requested during retry backoff, aborting retries');
            break;
          }
          backoff = Math.min(backoff * 2, this.opts.maxRetryBackoffMs);
        } else {
          this.logger.error(
            { service: this.name, key, code: (err as NodeJS.ErrnoException).code },
            `Failed to write batch ${key} after ${this.opts.maxRetries} retries: ${message}`,
          );
        }
      }
    }
    this.batchesFailed++;
    const reason = (lastError as Error).message;
    this.recordError('BATCH_WRITE_FAILED', `batch ${key} failed after ${attempt} attempts: ${reason}`);
    span.setAttribute(ATTR.attempts, attempt);
    failSpan(span, lastError);
    await this.sendToDlq(chunks, reason, Math.max(0, attempt - 1), lastError, key, firstFailure, span);
    return false;
  }

  private async sendToDlq(
    chunks: readonly ChunkMessage[],
    reason: string,
    retryCount: number,
    error: unknown,
    storageKey: string,
    firstFailure = Date.now(),
    span?: Span,
  ): Promise<void> {
    const ticks = chunks.reduce((s, c) => s + c.tickCount, 0);
    if (!this.dlq) {
      this.logger.error(
        { service: this.name, ticks },
        `Failed batch has no DLQ configured, data will be lost: ${ticks} ticks`,
      );
      this.recordError('DLQ_NOT_CONFIGURED', `${ticks} ticks lost: no DLQ configured`);
      return;
    }
    const first = chunks[0]!;
    const last = chunks[chunks.length - 1]!;
    const err = error as Error & { code?: string };
    const message: DeadLetterMessageProps = {
      originalMessage: concatDelimited(chunks.map((c) => c.data)),
      messageType: DEAD_LETTER_TYPE_CHUNKS,
      firstFailureTimeMs: firstFailure,
      lastFailureTimeMs: Date.now(),
      retryCount,
      failureReason: reason,
      sourceService: this.name,
      sourceQueue: this.opts.sourceQueue,
      stackTraceLines: (err?.stack ?? '').split('\n').slice(0, 10),
      metadata: {
        simulationRunId: first.simulationRunId,
        startTick: String(first.firstTick),
        endTick: String(last.lastTick),
        tickCount: String(ticks),
        chunkCount: String(chunks.length),
        storageKey,
        exceptionType: err?.name ?? 'Error',
        errorCode: err?.code ?? '',
      },
    };
    try {
      await this.dlq.put(message, message.originalMessage!.length, AbortSignal.timeout(5000));
      this.deadLettered++;
      span?.addEvent(EVENT.deadLettered, { dlq_retry_count: retryCount });
      this.logger.info({ service: this.name, ticks, storageKey }, `Sent failed batch to DLQ: ${ticks} ticks`);
    } catch (dlqErr) {
      this.logger.error(
        { service: this.name, err: dlqErr, ticks },
        `Failed to send batch to DLQ, ${ticks} ticks lost: ${(dlqErr as Error).message}`,
      );
      this.recordError('DLQ_SEND_FAILED', `${ticks} ticks lost: ${(dlqErr as Error).message}`);
    }
  }

  protected override customMetrics(): Metrics {
    return {
      batches_written: this.batchesWritten,
      chunks_written: this.chunksWritten,
      ticks_written: this.ticksWritten,
      bytes_written: this.bytesWritten,
      raw_bytes_written: this.rawBytesWritten,
      batches_failed: this.batchesFailed,
      duplicate_ticks_detected: this.duplicateTicks,
      current_batch_size: this.currentBatchSize,
      write_retries: this.retries,
      dlq_messages_sent: this.deadLettered,
      write_latency_ms: this.batchesWritten === 0 ? 0 : round3(this.latencyTotalMs / this.batchesWritten),
      last_write_latency_ms: round3(this.lastLatencyMs),
      ticks_per_sec: this.tickRate.perSecond(),
      bytes_per_sec: this.byteRate.perSecond(),
      ...this.diskFull.metrics(),
    };
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
