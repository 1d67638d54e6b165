/**
 * Error codes of the node daemon: the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const NODE_ERROR_MEANINGS = {
  DATA_DIR_UNUSABLE: 'The data directory cannot be created or written.',
  NODE_ALREADY_RUNNING: 'A node already runs for this data directory; the message names its pid and URL.',
  NODE_NOT_RUNNING: 'No node runs for this data directory (exit 3).',
  NODE_START_FAILED: 'The detached node did not report ready; the message has the end of its log.',
  NODE_STATUS_UNKNOWN: 'The node process is alive but its API did not answer in time (exit 4).',
  NODE_OPEN_ON_NETWORK:
    'node.host is not a loopback address while node.readAccess is open: anyone on the network could read the runs (exit 2).',
  PORT_IN_USE: 'The HTTP port is taken by another program; choose another with --port (0 picks a free one).',
} as const;

export const NodeErrorCode = defineErrorCodes(NODE_ERROR_MEANINGS);
