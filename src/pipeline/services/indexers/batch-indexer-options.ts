/** EnvironmentIndexer's and OrganismIndexer's option specs, apart from the indexers (the registry reads them). */
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';
import { indexerOptions } from './indexer-options.js';

export const environmentIndexerOptions = defineOptions({ ...indexerOptions, doc: 'EnvironmentIndexer options' });
export const organismIndexerOptions = defineOptions({
  kind: 'object',
  doc: 'OrganismIndexer options',
  fields: {
    ...indexerOptions.fields,
    blobCompressionLevel: {
      kind: 'int',
      default: 1,
      min: 1,
      max: 19,
      doc: "zstd level of the organism blobs. 6 makes a mature world's index about a quarter smaller for about three times the compression CPU on the main thread (docs/pipeline.md).",
    },
    references: {
      kind: 'bool',
      default: false,
      doc: 'Keep references to the stored chunks instead of compressed copies of their organisms (file-system storage): the index shrinks to a few bytes per tick, and reading the organisms of a tick decompresses its whole chunk, cells included (p95 ~10 ms on the mature default world, 60+ ms in a dense 2048×1152 world, against ~7 and ~13 with copies).',
    },
  },
});

/** OrganismIndexer's options: every indexer's, and the compression of its organism blobs. */
export type OrganismIndexerOptions = OptionsOf<typeof organismIndexerOptions>;
