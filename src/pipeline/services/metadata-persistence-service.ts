/**
 * MetadataPersistenceService: writes each run's SimulationMetadata (one message per run, from the engine) to
 * `<runId>/raw/metadata.pb.zst`, with the same retry → DLQ policy as the PersistenceService. It keeps
 * listening, so an engine restart (a new run) gets its metadata written too.
 */
import type { MetadataMessage, DeadLetterMessageProps } from '../contracts/index.js';
import type { Metrics } from '../api/monitorable.js';
import type { QueueConsumer, QueueProducer } from '../api/queue.js';
import { AbstractService, type ServiceContext } from '../api/service.js';

import type { BatchStorageWriter } from '../api/batch-storage.js';
import { metadataKey } from '../resources/storage-keys.js';
import { sleep } from '../api/sleep.js';
import type { TopicWriter } from '../api/topic.js';
import { MetadataInfo } from '../contracts/index.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { ATTR, EVENT, SPAN } from '../tracing/span-names.js';
import { contextFrom, injectTraceContext } from '../tracing/trace-context.js';
import { failSpan, recordRetry } from '../tracing/span-outcomes.js';
import type { MetadataPersistenceServiceOptions } from './metadata-persistence-service-options.js';

export type { MetadataPersistenceServiceOptions };

export class MetadataPersistenceService extends AbstractService<MetadataPersistenceServiceOptions> {
  private readonly input: QueueConsumer<MetadataMessage>;
  private readonly storage: BatchStorageWriter;
  private readonly dlq: QueueProducer<DeadLetterMessageProps> | undefined;
  /** Optional `topic-write` port: announces each written metadata file (MetadataInfo) to the indexers. */
  private readonly topic: TopicWriter<MetadataInfo> | undefined;
  private written = 0;
  private failed = 0;
  private bytes = 0;
  private lastRunId = '';

  constructor(context: ServiceContext<MetadataPersistenceServiceOptions>) {
    super(context);
    this.input = this.port<QueueConsumer<MetadataMessage>>('input');
    this.storage = this.port<BatchStorageWriter>('storage');
    this.dlq = context.ports.dlq as QueueProducer<DeadLetterMessageProps> | undefined;
    this.topic = context.ports.topic as TopicWriter<MetadataInfo> | undefined;
  }

  protected async run(): Promise<void> {
    while (!this.stopRequested) {
      await this.checkPause();
      if (this.stopRequested) break;
      // One at a time: a run has one metadata message, and it should be written as soon as it arrives.
      const batch = await this.input.receiveBatch(1, 1000, this.signal);
      for (const m of batch) await this.persist(m);
    }
    for (;;) {
      const rest = await this.input.receiveBatch(16, 0);
      if (rest.length === 0) break;
      for (const m of rest) await this.persist(m);
    }
  }

  /** Writes and announces one run's metadata, in a span that continues the engine's trace of it. */
  async persist(message: MetadataMessage): Promise<void> {
    const span = this.tracer.startSpan(
      SPAN.metadataPersisted,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [ATTR.service]: this.name,
          [ATTR.runId]: message.simulationRunId,
          [ATTR.bytes]: message.data.length,
        },
      },
      contextFrom(message.traceContext),
    );
    try {
      await this.persistIn(message, span);
    } finally {
      span.end();
    }
  }

  private async persistIn(message: MetadataMessage, span: Span): Promise<void> {
    const maxRetries = this.context.options.maxRetries;
    const maxBackoff = this.context.options.maxRetryBackoffMs;
    let backoff = this.context.options.retryBackoffMs;
    let attempt = 0;
    let lastError: unknown;
    const firstFailure = Date.now();
    while (attempt <= maxRetries) {
      try {
        const r = await this.storage.writeMetadata(message.simulationRunId, message.data);
        span.setAttribute(ATTR.storageKey, r.key);
        // The notification carries this span's context: the metadata indexer's span joins the trace.
        const traceContext = injectTraceContext(span);
        await this.topic?.publish(
          MetadataInfo.create({ simulationRunId: message.simulationRunId, storageKey: r.key, writtenAtMs: Date.now() }),
          traceContext ? { traceContext } : undefined,
        );
        this.written++;
        this.bytes += r.bytesWritten;
        this.lastRunId = message.simulationRunId;
        this.logger.info({ service: this.name, key: r.key }, `Wrote metadata of run ${message.simulationRunId}`);
        return;
      } catch (err) {
        lastError = err;
        attempt++;
        if (attempt > maxRetries) break;
        recordRetry(span, attempt, err, backoff);
        this.logger.warn(
          { service: this.name, attempt },
          `Failed to write metadata of run ${message.simulationRunId} (attempt ${attempt}/${maxRetries}): ${(err as Error).message}, retrying in ${backoff}ms`,
        );
        if (await sleep(backoff, this.signal)) break;
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
    const err = lastError as Error & { code?: string };
    failSpan(span, err);
    span.setAttribute(ATTR.attempts, attempt);
    this.recordError('METADATA_WRITE_FAILED', `metadata of run ${message.simulationRunId}: ${err.message}`);
    this.logger.error(
      { service: this.name },
      `Failed to write metadata of run ${message.simulationRunId} after ${maxRetries} retries: ${err.message}`,
    );
    if (!this.dlq) {
      this.failed++;
      this.logger.error({ service: this.name }, `Metadata of run ${message.simulationRunId} lost: no DLQ configured`);
      return;
    }
    try {
      await this.dlq.put(
        {
          originalMessage: message.data,
          messageType: 'SimulationMetadata',
          firstFailureTimeMs: firstFailure,
          lastFailureTimeMs: Date.now(),
          retryCount: Math.max(0, attempt - 1),
          failureReason: err.message,
          sourceService: this.name,
          sourceQueue: 'metadata-queue',
          stackTraceLines: (err.stack ?? '').split('\n').slice(0, 10),
          metadata: {
            simulationRunId: message.simulationRunId,
            storageKey: safeKey(message.simulationRunId),
            exceptionType: err.name,
            errorCode: err.code ?? '',
          },
        },
        message.data.length,
        AbortSignal.timeout(5000),
      );
      span.addEvent(EVENT.deadLettered);
    } catch (dlqErr) {
      this.recordError(
        'DLQ_SEND_FAILED',
        `metadata of run ${message.simulationRunId} lost: ${(dlqErr as Error).message}`,
      );
    }
    this.failed++;
  }

  protected override customMetrics(): Metrics {
    return { metadata_written: this.written, metadata_failed: this.failed, bytes_written: this.bytes };
  }

  get lastWrittenRunId(): string {
    return this.lastRunId;
  }
}

function safeKey(runId: string): string {
  try {
    return metadataKey(runId);
  } catch {
    return '';
  }
}
