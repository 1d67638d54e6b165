/**
 * zstd level of batch files unless configured. Level 1, not 3: on planed chunk files it compresses as small or
 * smaller (mature default world 264 vs 264 B/tick, dense 2,508 vs 2,594) for 0.6× (mature) to 0.46× (dense) of
 * level 3's CPU, and on a 2-core node that CPU is taken from the simulation.
 */
export const DEFAULT_BATCH_COMPRESSION_LEVEL = 1;

/** The `compressionLevel` option of the storages that write batch files (file system, S3): one spec. */
export const batchCompressionLevelField: {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
} = {
  kind: 'int',
  default: DEFAULT_BATCH_COMPRESSION_LEVEL,
  min: 1,
  max: 22,
  doc: 'zstd level of batch files.',
};
