/**
 * Error codes of the command line: the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const CLI_ERROR_MEANINGS = {
  FAILED: 'A command failed with an error that carries no code of its own; the message says what happened.',
  USAGE: 'Bad flags or arguments, or a shell line that does not parse (exit 2).',
  TOKEN_MISSING: "The node's token file cannot be read, so mutating commands cannot authenticate.",
  NODE_UNREACHABLE: "The node's API refused or dropped the connection.",
  LOG_NOT_FOUND: '`node logs`: no log file (only a detached node writes one).',
  TICK_NOT_STORED: '`inspect storage --tick`: the run holds no such tick.',
  NO_INTERRUPTED_RUN:
    "`node run --resume` without a run: the data dir's run journal holds no run that was interrupted.",
} as const;

export const CliErrorCode = defineErrorCodes(CLI_ERROR_MEANINGS);
