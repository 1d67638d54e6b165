/**
 * What every indexer shares: a competing member of a topic consumer group that, for each notification,
 * reads what it names from storage and upserts it into the index database, acking only after the commit.
 * A notification that keeps failing (maxRetries attempts, with backoff, counted across redeliveries) becomes
 * a DeadLetterMessage on the optional DLQ and is then acked, so one poisoned batch never blocks the rest.
 * Pause is honoured between notifications.
 */
import type { IndexerOptions } from './indexer-options.js';
import type { DeadLetterMessageProps } from '../../contracts/index.js';
import type { Metrics } from '../../api/monitorable.js';
import type { QueueProducer } from '../../api/queue.js';
import { AbstractService, type ServiceContext } from '../../api/service.js';
import { SlidingWindowRate } from '../../api/sliding-window-rate.js';
import type { TopicMessage, TopicReader } from '../../api/topic.js';
import type { BatchStorageReader } from '../../api/batch-storage.js';
import { sleep } from '../../api/sleep.js';
import { DiskFullWait } from '../../api/disk-full-wait.js';
import { ROOT_CONTEXT, SpanKind, type Span } from '@opentelemetry/api';
import { ATTR, EVENT, SPAN } from '../../tracing/span-names.js';
import { contextFrom } from '../../tracing/trace-context.js';
import { failSpan, recordRetry } from '../../tracing/span-outcomes.js';
import { attemptsFor } from './redelivery-policy.js';

/** What a catch-up scan found: runs with work, and units of work (batches, or runs' metadata). */
export interface CatchUpScan {
  readonly runs: number;
  readonly items: number;
}

export abstract class AbstractIndexer<T, O extends IndexerOptions = IndexerOptions> extends AbstractService<O> {
  protected readonly topic: TopicReader<T>;
  protected readonly storage: BatchStorageReader;
  protected readonly dlq: QueueProducer<DeadLetterMessageProps> | undefined;
  protected readonly opts: O;
  private processed = 0;
  private failedAttempts = 0;
  private deadLettered = 0;
  private lastLatencyMs = 0;
  /** The start-up catch-up scan is over (or was skipped): from then on the pending counts are final. */
  private scanDone = false;
  private readonly rate = new SlidingWindowRate();
  private readonly diskFull = new DiskFullWait(this.name, this.logger, {
    record: (code, message) => this.recordError(code, message),
    resolve: (code) => this.resolveErrors(code),
  });

  protected constructor(context: ServiceContext<O>) {
    super(context);
    this.topic = this.port<TopicReader<T>>('topic');
    this.storage = this.port<BatchStorageReader>('storage');
    this.dlq = context.ports.dlq as QueueProducer<DeadLetterMessageProps> | undefined;
    this.opts = context.options;
  }

  /** Indexes what one notification names. Must be idempotent. */
  protected abstract index(payload: T): Promise<void>;
  /** Describes a payload for logs and dead letters. */
  protected abstract describe(payload: T): {
    runId: string;
    key: string;
    messageType: string;
    encoded: Uint8Array;
    metadata: Record<string, string>;
  };

  /**
   * Catch-up (see batch-indexers.ts): called once when the loop starts, before the first receive. Finds
   * work that storage holds but the index does not (notifications lost with a stopped node's in-memory topic).
   */
  protected async scanCatchUp(): Promise<CatchUpScan | void> {}
  /** Whether catch-up work is left; while it is, the loop does not wait for notifications. */
  protected catchUpPending(): boolean {
    return false;
  }
  /** Does one unit of catch-up work (one batch). */
  protected async catchUpStep(): Promise<void> {}
  /** Called after every receive (with or without messages): time-driven work such as flushing buffers. */
  protected async afterReceive(): Promise<void> {}
  /** Called once when the loop ends on stop, before the service stops (flush what is buffered). */
  protected async beforeStop(): Promise<void> {}

  protected async run(): Promise<void> {
    const span = this.tracer.startSpan(
      SPAN.indexCatchUpScan,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.service]: this.name } },
      ROOT_CONTEXT,
    );
    try {
      const found = await this.scanCatchUp();
      if (found) span.setAttributes({ [ATTR.runCount]: found.runs, [ATTR.batchCount]: found.items });
    } catch (err) {
      failSpan(span, err);
      this.recordError('CATCH_UP_SCAN_FAILED', (err as Error).message);
      this.logger.warn({ service: this.name }, `Catch-up scan failed: ${(err as Error).message}`);
    } finally {
      span.end();
    }
    this.scanDone = true;
    while (!this.stopRequested) {
      await this.checkPause();
      if (this.stopRequested) break;
      const catchingUp = this.catchUpPending();
      // Live notifications first (they keep "follow live" current), then one batch of the backlog.
      const messages = await this.topic.receive(
        this.opts.maxMessagesPerReceive,
        catchingUp ? 0 : this.opts.pollTimeoutMs,
        this.signal,
      );
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        if (this.stopRequested || this.state === 'PAUSED') {
          // Not processed: give it back so another member (or this one after resume) indexes it.
          for (const rest of messages.slice(i)) await this.topic.nack(rest);
          break;
        }
        await this.handle(m);
      }
      if (catchingUp && !this.stopRequested && this.state !== 'PAUSED') await this.catchUpStep();
      await this.afterReceive();
    }
    await this.beforeStop();
  }

  /**
   * Indexes one payload with retries and backoff: 'done' once committed, 'aborted' when a stop interrupted a
   * backoff, or the failure after the last attempt.
   */
  protected async attempt(
    payload: T,
    deliveryCount: number,
    span?: Span,
  ): Promise<'done' | 'aborted' | { error: unknown; attempts: number; firstFailure: number }> {
    let backoff = this.opts.retryBackoffMs;
    const firstFailure = Date.now();
    let lastError: unknown;
    // Fewer attempts for a notification delivered far more often than retries allow (redelivery-policy.ts).
    const attempts = attemptsFor(deliveryCount, this.opts.maxRetries);
    let attempt = this.opts.maxRetries + 1 - attempts;
    if (attempts === 0) lastError = new Error(`delivered ${deliveryCount} times without being acknowledged`);
    while (attempt <= this.opts.maxRetries) {
      const started = performance.now();
      try {
        await this.index(payload);
        this.diskFull.onSuccess();
        this.lastLatencyMs = performance.now() - started;
        this.processed++;
        this.rate.record();
        return 'done';
      } catch (err) {
        lastError = err;
        if (this.diskFull.onError(err, `indexing ${this.describe(payload).key}`)) {
          // Not an attempt: the index waits for space; the topic's backpressure holds the recording meanwhile.
          if (await sleep(backoff, this.signal)) return 'aborted';
          backoff = Math.min(backoff * 2, this.opts.maxRetryBackoffMs);
          continue;
        }
        attempt++;
        this.failedAttempts++;
        const d = this.describe(payload);
        this.logger.warn(
          { service: this.name, key: d.key, attempt },
          `Indexing ${d.key} failed (attempt ${attempt}/${this.opts.maxRetries + 1}): ${(err as Error).message}`,
        );
        if (attempt > this.opts.maxRetries) break;
        recordRetry(span, attempt, err, backoff);
        if (await sleep(backoff, this.signal)) return 'aborted';
        backoff = Math.min(backoff * 2, this.opts.maxRetryBackoffMs);
      }
    }
    return { error: lastError, attempts: attempt, firstFailure };
  }

  /**
   * The span of one unit of catch-up work (a stored batch, or a run's metadata): no notification led to it, so
   * it begins a trace of its own. The caller ends it.
   */
  protected startCatchUpSpan(payload: T): Span {
    const d = this.describe(payload);
    const span = this.tracer.startSpan(
      SPAN.indexCatchUp,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.service]: this.name } },
      ROOT_CONTEXT,
    );
    if (span.isRecording()) {
      span.setAttributes({ [ATTR.runId]: d.runId, [ATTR.storageKey]: d.key });
      if (d.metadata.startTick !== undefined) span.setAttribute(ATTR.firstTick, Number(d.metadata.startTick));
      if (d.metadata.endTick !== undefined) span.setAttribute(ATTR.lastTick, Number(d.metadata.endTick));
    }
    return span;
  }

  private async handle(m: TopicMessage<T>): Promise<void> {
    // The span joins the trace of whoever published the notification (the batch's persistence span).
    const span = this.tracer.startSpan(
      SPAN.indexCommit,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [ATTR.service]: this.name,
          [ATTR.consumerGroup]: m.consumerGroup,
          [ATTR.deliveryCount]: m.deliveryCount,
        },
      },
      contextFrom(m.traceContext),
    );
    if (span.isRecording()) {
      const d = this.describe(m.payload);
      span.setAttributes({ [ATTR.runId]: d.runId, [ATTR.storageKey]: d.key });
      if (d.metadata.startTick !== undefined) span.setAttribute(ATTR.firstTick, Number(d.metadata.startTick));
      if (d.metadata.endTick !== undefined) span.setAttribute(ATTR.lastTick, Number(d.metadata.endTick));
    }
    try {
      const r = await this.attempt(m.payload, m.deliveryCount, span);
      if (r === 'aborted') {
        span.addEvent('handed-back');
        await this.topic.nack(m);
        return;
      }
      if (r !== 'done') {
        failSpan(span, r.error);
        span.setAttribute(ATTR.attempts, r.attempts);
        await this.deadLetter(m.payload, r.error, r.attempts, r.firstFailure);
        span.addEvent(EVENT.deadLettered);
      }
      await this.topic.ack(m);
    } finally {
      span.end();
    }
  }

  protected async deadLetter(payload: T, error: unknown, attempts: number, firstFailure: number): Promise<void> {
    const d = this.describe(payload);
    const err = error as Error & { code?: string };
    this.recordError('INDEXING_FAILED', `${d.key} failed after ${attempts} attempts: ${err.message}`);
    if (!this.dlq) {
      this.logger.error(
        { service: this.name, key: d.key },
        `Notification for ${d.key} dropped after ${attempts} attempts: no DLQ configured`,
      );
      return;
    }
    try {
      await this.dlq.put(
        {
          originalMessage: d.encoded,
          messageType: d.messageType,
          firstFailureTimeMs: firstFailure,
          lastFailureTimeMs: Date.now(),
          retryCount: Math.max(0, attempts - 1),
          failureReason: err.message,
          sourceService: this.name,
          sourceQueue: `topic:${this.topic.consumerGroup}`,
          stackTraceLines: (err.stack ?? '').split('\n').slice(0, 10),
          metadata: {
            ...d.metadata,
            simulationRunId: d.runId,
            storageKey: d.key,
            exceptionType: err.name ?? 'Error',
            errorCode: err.code ?? '',
          },
        },
        d.encoded.length,
        AbortSignal.timeout(5000),
      );
      this.deadLettered++;
    } catch (dlqErr) {
      this.recordError('DLQ_SEND_FAILED', `${d.key} lost: ${(dlqErr as Error).message}`);
    }
  }

  protected override customMetrics(): Metrics {
    return {
      notifications_processed: this.processed,
      failed_attempts: this.failedAttempts,
      dlq_messages_sent: this.deadLettered,
      last_index_latency_ms: Math.round(this.lastLatencyMs * 1000) / 1000,
      notifications_per_sec: this.rate.perSecond(),
      catch_up_scan_done: this.scanDone ? 1 : 0,
      ...this.diskFull.metrics(),
      ...this.indexerMetrics(),
    };
  }

  protected indexerMetrics(): Metrics {
    return {};
  }
}

export type { IndexerOptions };
