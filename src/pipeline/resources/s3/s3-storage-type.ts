import type { ResourceType } from '../../api/component-type.js';
import { DEFAULT_FOLDER_LEVELS } from '../storage-keys.js';
import { batchCompressionLevelField } from '../batch-compression-level.js';
import { defineOptions } from '../../../config/field-spec.js';
import { normalizedPrefix, s3ConnectionFields } from './s3-connection-options.js';

const s3StorageOptions = defineOptions({
  kind: 'object',
  doc: 'S3Storage options',
  fields: {
    ...s3ConnectionFields,
    folderLevels: {
      kind: 'list',
      of: 'int',
      default: [...DEFAULT_FOLDER_LEVELS],
      doc: 'Tick divisors of the two bucket folder levels (as FileSystemStorage).',
    },
    compressionLevel: batchCompressionLevelField,
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
  },
});

export const s3StorageType: ResourceType<typeof s3StorageOptions> = {
  className: 'S3Storage',
  description:
    'Recorded runs in S3-compatible object storage: same keys and bytes as FileSystemStorage; atomic PUT or multipart; retries.',
  options: s3StorageOptions,
  create: async ({ name, options, logger }) => {
    const { S3Storage } = await import('./s3-storage.js'); // the AWS SDK loads only when S3 is used
    const s = new S3Storage(
      name,
      // The options as declared; the prefix as keys use it ("" or ending in "/").
      { ...options, prefix: normalizedPrefix(options.prefix) },
      logger,
    );
    await s.init();
    return s;
  },
};
