/**
 * Error codes of the visualizer API: the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const VISUALIZER_ERROR_MEANINGS = {
  TICKS_NOT_FOUND: 'The index holds no ticks of the run yet (HTTP 404).',
  TICK_NOT_FOUND: 'The index does not hold the requested tick (HTTP 404).',
  ORGANISM_NOT_FOUND: 'No organism with that id at that tick (HTTP 404).',
} as const;

export const VisualizerErrorCode = defineErrorCodes(VISUALIZER_ERROR_MEANINGS);
