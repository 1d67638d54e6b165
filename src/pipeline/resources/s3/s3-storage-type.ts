import type { ResourceType } from '../../api/component-type.js';
import { DEFAULT_FOLDER_LEVELS } from '../storage-keys.js';
import { S3Storage } from './s3-storage.js';
import { defineOptions } from '../../../config/field-spec.js';

const s3StorageOptions = defineOptions({
  kind: 'object',
  doc: 'S3Storage options',
  fields: {
    endpoint: {
      kind: 'string',
      default: '',
      doc: 'S3 endpoint URL (e.g. http://127.0.0.1:8089 for a local Swift); empty means AWS.',
    },
    region: { kind: 'string', default: 'us-east-1', nonEmpty: true, doc: 'Region name used for request signing.' },
    bucket: { kind: 'string', default: 'evochora', nonEmpty: true, doc: 'Bucket holding the runs.' },
    accessKeyId: {
      kind: 'string',
      default: '',
      doc: 'Access key; empty means the AWS default credential chain (AWS_ACCESS_KEY_ID, ...).',
    },
    secretAccessKey: {
      kind: 'string',
      default: '',
      doc: 'Secret key (set it through the environment, not in a checked-in file).',
    },
    forcePathStyle: {
      kind: 'bool',
      default: true,
      doc: 'Path-style URLs (needed by Swift, MinIO and most self-hosted S3).',
    },
    prefix: { kind: 'string', default: '', doc: 'Key prefix inside the bucket ("" or ending in "/").' },
    folderLevels: {
      kind: 'list',
      of: 'int',
      default: [...DEFAULT_FOLDER_LEVELS],
      doc: 'Tick divisors of the two bucket folder levels (as FileSystemStorage).',
    },
    compressionLevel: { kind: 'int', default: 3, min: 1, max: 22, doc: 'zstd level of batch files.' },
    multipartThresholdBytes: {
      kind: 'bytes',
      default: 16 * 1024 * 1024,
      min: 5 * 1024 * 1024,
      doc: 'Batch files at least this big are sent as multipart uploads.',
    },
    partSizeBytes: {
      kind: 'bytes',
      default: 8 * 1024 * 1024,
      min: 5 * 1024 * 1024,
      doc: 'Part size of multipart uploads (S3 minimum 5 MiB).',
    },
    partConcurrency: { kind: 'int', default: 4, min: 1, max: 64, doc: 'Parts uploaded in parallel.' },
    maxAttempts: {
      kind: 'int',
      default: 6,
      min: 1,
      max: 50,
      doc: 'Attempts per request for transient errors (5xx, throttling, resets), with backoff.',
    },
    requestTimeoutMs: {
      kind: 'int',
      default: 60_000,
      min: 100,
      max: 3_600_000,
      doc: 'Socket timeout of one request.',
    },
    createBucket: { kind: 'bool', default: true, doc: 'Create the bucket at startup when it does not exist.' },
    connectTimeoutMs: {
      kind: 'int',
      default: 30_000,
      min: 0,
      max: 3_600_000,
      doc: 'How long startup keeps trying to reach the store.',
    },
  },
});

export const s3StorageType: ResourceType<typeof s3StorageOptions> = {
  className: 'S3Storage',
  description:
    'Recorded runs in S3-compatible object storage: same keys and bytes as FileSystemStorage; atomic PUT or multipart; retries.',
  options: s3StorageOptions,
  create: async ({ name, options, logger }) => {
    const prefix = options.prefix;
    const s = new S3Storage(
      name,
      {
        endpoint: options.endpoint,
        region: options.region,
        bucket: options.bucket,
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        forcePathStyle: options.forcePathStyle,
        prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
        folderLevels: options.folderLevels,
        compressionLevel: options.compressionLevel,
        multipartThresholdBytes: options.multipartThresholdBytes,
        partSizeBytes: options.partSizeBytes,
        partConcurrency: options.partConcurrency,
        maxAttempts: options.maxAttempts,
        requestTimeoutMs: options.requestTimeoutMs,
        createBucket: options.createBucket,
        connectTimeoutMs: options.connectTimeoutMs,
      },
      logger,
    );
    await s.init();
    return s;
  },
};
