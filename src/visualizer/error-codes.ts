/**
 * Error codes of the visualizer API and `evochora video`: the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const VISUALIZER_ERROR_MEANINGS = {
  TICKS_NOT_FOUND: 'The index holds no ticks of the run yet (HTTP 404).',
  TICK_NOT_FOUND: 'The index does not hold the requested tick (HTTP 404).',
  ORGANISM_NOT_FOUND: 'No organism with that id at that tick (HTTP 404).',
  VIDEO_FFMPEG_MISSING:
    'ffmpeg is not installed (or not at --ffmpeg): `apt-get install ffmpeg` (Debian) or your system’s package.',
  VIDEO_FFMPEG_FAILED: 'ffmpeg stopped with an error; the message ends with its last lines.',
  VIDEO_NEEDS_ANALYTICS: '`video --mode lineage`: the run has no analytics to take its genotypes from.',
  VIDEO_NOTHING_TO_RENDER: 'No stored tick of the run lies in --from..--to (the message gives the stored range).',
  VIDEO_UNKNOWN_OVERLAY: '`video --overlay`: a name that is not an overlay (known: info, graph) (exit 2).',
  VIDEO_WORLD_NOT_2D: 'Videos render 2-dimensional worlds; this run’s world has another number of dimensions.',
} as const;

export const VisualizerErrorCode = defineErrorCodes(VISUALIZER_ERROR_MEANINGS);
