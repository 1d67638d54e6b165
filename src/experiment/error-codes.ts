/**
 * Error codes of experiments (`evochora experiment run`). Stable: scripts and agents match on them; docs/errors.md
 * lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const EXPERIMENT_ERROR_MEANINGS = {
  EXPERIMENT_INVALID:
    'An experiment file cannot be read or says something impossible; the message names the file and key.',
  EXPERIMENT_CELL_FAILED: 'A cell of an experiment could not finish its run; the message names the cell and why.',
} as const;

export const ExperimentErrorCode = defineErrorCodes(EXPERIMENT_ERROR_MEANINGS);
