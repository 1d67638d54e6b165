import type { ResourceType } from '../api/component-type.js';
import { FileSystemStorage } from './file-system-storage.js';
import { batchCompressionLevelField } from './batch-compression-level.js';
import { defineOptions } from '../../config/field-spec.js';

const fileSystemStorageOptions = defineOptions({
  kind: 'object',
  doc: 'FileSystemStorage options',
  fields: {
    rootDirectory: {
      kind: 'string',
      default: 'storage',
      nonEmpty: true,
      doc: 'Where runs are stored; relative paths are inside node.dataDir.',
    },
    folderLevels: {
      kind: 'list',
      of: 'int',
      default: [100_000_000, 100_000],
      doc: 'Tick divisors of the two bucket folder levels.',
    },
    compressionLevel: batchCompressionLevelField,
  },
});

export const fileSystemStorageType: ResourceType<typeof fileSystemStorageOptions> = {
  className: 'FileSystemStorage',
  description:
    'Recorded runs on the local filesystem: atomic, durable batch and metadata files (zstd, length-delimited protobuf).',
  options: fileSystemStorageOptions,
  create: ({ name, options, dataDir }) =>
    new FileSystemStorage(
      name,
      {
        rootDirectory: options.rootDirectory,
        folderLevels: options.folderLevels,
        compressionLevel: options.compressionLevel,
      },
      dataDir,
    ),
};
