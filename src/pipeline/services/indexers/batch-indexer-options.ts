/** EnvironmentIndexer's and OrganismIndexer's option specs, apart from the indexers (the registry reads them). */
import { defineOptions, type OptionsOf } from '../../../config/field-spec.js';
import { indexerOptions } from './indexer-options.js';
import { DEFAULT_ORGANISM_REFERENCE_CHUNK_BYTES } from './index-operations.js';

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
      doc: 'Keep references to every stored chunk instead of compressed copies of their organisms (file-system storage), however large the chunk (see referenceChunkBytes).',
    },
    referenceChunkBytes: {
      kind: 'bytes',
      default: DEFAULT_ORGANISM_REFERENCE_CHUNK_BYTES,
      min: 0,
      doc: 'Chunks of up to this size before compression (a mature default world: ~4 MB) are kept as references to storage, larger ones (dense worlds: ~15 MB) as compressed copies of their organisms. A reference costs a few bytes of index; reading a tick’s organisms through it decompresses the whole chunk, cells included, which only large chunks make slow. 0: copies only (file-system storage; other storages always get copies).',
    },
  },
});

/** OrganismIndexer's options: every indexer's, and the compression of its organism blobs. */
export type OrganismIndexerOptions = OptionsOf<typeof organismIndexerOptions>;
