import type { ResourceType } from '../api/component-type.js';
import { FileSystemStorage } from './file-system-storage.js';

export const fileSystemStorageType: ResourceType = {
  className: 'FileSystemStorage',
  description:
    'Recorded runs on the local filesystem: atomic, durable batch and metadata files (zstd, length-delimited protobuf).',
  options: {
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
      compressionLevel: { kind: 'int', default: 3, min: 1, max: 22, doc: 'zstd level of batch files.' },
    },
  },
  create: ({ name, options, dataDir }) =>
    new FileSystemStorage(
      name,
      {
        rootDirectory: options.rootDirectory as string,
        folderLevels: options.folderLevels as number[],
        compressionLevel: options.compressionLevel as number,
      },
      dataDir,
    ),
};
