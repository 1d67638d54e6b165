/**
 * Error codes of the runtime (simulate, checkpoints, runtime options): the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const RUNTIME_ERROR_MEANINGS = {
  RUNTIME_CHECKPOINT: 'A runtime checkpoint cannot be restored: corrupt, or written by an incompatible version.',
  RUNTIME_CONFIG: 'Runtime options are invalid (plugins, thermodynamics, organism limits, label matching).',
  RUNTIME_SPEC: 'A `simulate --spec` file is invalid.',
  RUNTIME_THREADS:
    'A plan worker of a multi-threaded simulation (`--threads`) failed, did not start or did not answer.',
  RUNTIME_WORLD_SHAPE: 'The world shape is invalid (no dimension, or one below 1).',
} as const;

export const RuntimeErrorCode = defineErrorCodes(RUNTIME_ERROR_MEANINGS);
