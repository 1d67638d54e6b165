/**
 * The spans of a batch's life and their attributes (docs/tracing.md lists them). Names and keys are part of
 * what users build dashboards and queries on: change them only with the docs.
 */
export const SPAN = {
  /** A chunk arrived from the engine's worker thread on the main thread, until the queue accepted it. */
  chunkProduced: 'evochora.chunk.produce',
  /** The put of one chunk on the tick queue (its context travels with the chunk). */
  chunkQueued: 'evochora.chunk.queue',
  /** One batch written to storage by a persistence service: retries are events, a dead letter an error. */
  batchPersisted: 'evochora.batch.persist',
  /** The announcement of a written batch on the batch topic (its context travels with the notification). */
  batchNotified: 'evochora.batch.notify',
  /** One indexer's handling of one notification, until it is committed and acknowledged. */
  indexCommit: 'evochora.index.commit',
  /** One stored batch that an indexer found unindexed at start-up and indexed (no notification: a trace of its own). */
  indexCatchUp: 'evochora.index.catch-up',
  /** An indexer's start-up scan of storage for batches the index lacks. */
  indexCatchUpScan: 'evochora.index.catch-up-scan',
  /** The put of a run's metadata on the metadata queue (its context travels with the message). */
  metadataQueued: 'evochora.metadata.queue',
  /** The metadata written to storage by the metadata persistence service, and announced on the metadata topic. */
  metadataPersisted: 'evochora.metadata.persist',
} as const;

export const ATTR = {
  service: 'evochora.service',
  runId: 'evochora.run_id',
  firstTick: 'evochora.tick.first',
  lastTick: 'evochora.tick.last',
  tickCount: 'evochora.tick.count',
  chunkCount: 'evochora.chunk.count',
  bytes: 'evochora.bytes',
  rawBytes: 'evochora.bytes.raw',
  storageKey: 'evochora.storage.key',
  attempts: 'evochora.attempts',
  consumerGroup: 'messaging.consumer.group.name',
  deliveryCount: 'evochora.delivery_count',
  port: 'evochora.port',
  errorCode: 'evochora.error.code',
  /** Catch-up scan: runs in storage, and stored batches the index lacked. */
  runCount: 'evochora.run.count',
  batchCount: 'evochora.batch.count',
} as const;

/** Span events. */
export const EVENT = {
  retry: 'retry',
  deadLettered: 'dead-lettered',
  /** A write found its disk full and waits for space (once per wait). */
  diskFull: 'disk-full-wait',
} as const;
