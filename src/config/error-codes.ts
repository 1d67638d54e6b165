/**
 * Error codes of the configuration (files, --set, environment): the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const CONFIG_ERROR_MEANINGS = {
  CONFIG_INVALID:
    'A key has a wrong type, an unknown name or an out-of-range value, or a service option fails its check; the message lists every problem with its file and line (exit 2).',
  CONFIG_SYNTAX: 'A configuration file is not valid HOCON or JSON; the message gives file, line and column (exit 2).',
  CONFIG_FILE_UNREADABLE: 'The configuration file given with -c or EVOCHORA_CONFIG cannot be read (exit 2).',
} as const;

export const ConfigErrorCode = defineErrorCodes(CONFIG_ERROR_MEANINGS);
