/**
 * Error codes of the pipeline: services, resources and stored data: the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const PIPELINE_ERROR_MEANINGS = {
  BATCH_NOT_FOUND:
    'A batch file named by a notification, a read or an index reference is not in storage (deleted or moved after it was written).',
  CHUNK_ASSEMBLY_FAILED:
    "The engine's worker handed over a chunk whose organism deltas do not fit it (a bug); the run stops, nothing of that chunk is stored.",
  CHUNK_LEASE_RELEASED:
    "A read chunk's bytes were taken again after their last holder gave them back to be reused (a bug; report it).",
  CHUNK_NOT_DELIVERED: 'The engine could not put a chunk on its queue before stopping; the message names its ticks.',
  CHUNK_SOURCE_MISSING:
    'An index points at chunks in storage (format 3) and is read without a storage that reads single chunks.',
  COMPRESSION_FAILED: 'Compressing a batch file failed; the write is retried, then dead-lettered.',
  COMPRESSION_WORKER_FAILED: 'The compression worker thread died; its pending writes fail and are retried.',
  DEAD_LETTER_NOT_FOUND: '`dlq replay`: no dead letter with that id.',
  DELIVERY_ABANDONED: 'A stop gave up on chunks still waiting for room in the queue (stop timeout).',
  DLQ_FULL:
    'A dead-letter queue reached its capacity; nothing more can be dead-lettered until it is replayed or emptied.',
  EMPTY_DEAD_LETTER: 'A dead letter holds no payload to replay.',
  ENGINE_CONFIG: 'The simulation engine cannot start with its options (organisms, programs, resume storage).',
  INDEX_BLOB_VERSION: 'An index row was written by a newer version of evochora; re-index the run with this one.',
  INVALID_BINDING_URI: 'A binding `usage:resource?k=v` does not parse.',
  INVALID_RUN_ID: 'A run id is not a plain name (letters, digits, ".", "_", "-", at most 200 characters).',
  INVALID_STORAGE_KEY: 'A storage key is not a safe relative path.',
  INVALID_TRANSITION: 'A lifecycle action the service state does not allow (e.g. resume a running service; HTTP 409).',
  METADATA_NOT_FOUND: 'A run has no stored metadata yet.',
  MISSING_CONSUMER_GROUP: 'A `topic-read` binding names no `consumerGroup` parameter.',
  MISSING_PORT: 'A service needs a resource bound to a port the configuration leaves out.',
  MIXED_RUN_IDS: 'A batch holds chunks of more than one run.',
  NATS_UNAVAILABLE: 'No NATS server answered within connectTimeoutMs.',
  PG_UNAVAILABLE: 'PostgreSQL did not answer, or refused the connection.',
  QUEUE_CLOSED: 'A queue stopped accepting messages because its producer is stopping.',
  QUEUE_MESSAGE_TOO_LARGE: "A message exceeds the NATS servers' max_payload.",
  RESUME_FAILED: 'A stored run cannot be resumed (no batch, or no runtime checkpoint in its last chunk).',
  USER_PLUGIN_INVALID:
    'A user plugin module (runtime.plugins[].module) cannot be loaded, is not a plugin, or its options do not fit its spec; the message names the file.',
  USER_PLUGIN_FAILED:
    'A user plugin threw while the simulation ran; the message names the plugin, its file and the tick.',
  CIRCUIT_OPEN:
    'A backend (S3, PostgreSQL, NATS) failed several times in a row and is not being called for a while; calls resume by themselves once it answers again.',
  DISK_FULL:
    'A disk that storage, the index or analytics writes to is full: writing waits and the recording with it (nothing is dropped); free space or move node.dataDir, and writing resumes by itself.',
  FORK_FAILED:
    'A run cannot be forked there: the run or tick is not stored, its chunk has no runtime checkpoint, or the changed options are invalid.',
  RUN_NOT_FOUND: 'No stored (or indexed) run has this id.',
  S3_UNAVAILABLE: 'The S3 endpoint did not answer, or refused the credentials or the bucket.',
  STORAGE_FILE_CORRUPT: 'A stored file is truncated or corrupt; the message names the file and the offset.',
  TOPIC_CLOSED: 'A topic was closed while a consumer waited on it.',
  UNKNOWN_DEAD_LETTER_TYPE: 'A dead letter holds a message type this version cannot replay.',
  UNKNOWN_SERVICE: 'No service has this name (HTTP 404).',
  UNSUPPORTED_FORMAT_VERSION: 'A stored file was written in a storage format this version cannot read.',
  UNSUPPORTED_USAGE: 'A resource cannot be bound with this usage (e.g. `queue-in` on a storage).',
  ORGANISM_DELTA_INVALID: 'A stored organism delta does not apply to its organism (a corrupt or foreign chunk).',
  STORAGE_CLOSED: 'A write reached storage after it was closed (the node is stopping).',
  ANALYTICS_PLUGIN_UNKNOWN:
    'An analytics plugin named in the configuration does not exist; the message lists those that do.',
  ANALYTICS_WRITE_FAILED:
    "An analytics part could not be written (full disk, S3 down); its batches are analysed again at the indexer's next start.",
  ANALYTICS_FILE_INVALID:
    "A run's analytics file or part manifest cannot be read; the message names it (rebuild with `evochora index --run`).",
  WIRE_MESSAGE_INVALID: 'A message on a NATS stream cannot be decoded.',
} as const;

export const PipelineErrorCode = defineErrorCodes(PIPELINE_ERROR_MEANINGS);
