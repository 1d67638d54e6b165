/**
 * Error codes of the analyzer (the `/analyzer/api` routes and `evochora analytics`): the `code` of a thrown
 * error, a JSON error envelope and an HTTP error body. Stable: scripts and agents match on them.
 * Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const ANALYZER_ERROR_MEANINGS = {
  ANALYTICS_NOT_FOUND:
    'The run has no analytics yet (no part written): the AnalyticsIndexer writes them while recording, `evochora index --run RUN` for an older run (HTTP 404).',
  ANALYTICS_TABLE_NOT_FOUND: "The run's analytics have no table (metric) or level of that name (HTTP 404).",
  ANALYTICS_QUERY_FAILED:
    'DuckDB rejected the SQL: the message is its own, with the position of the problem (HTTP 400).',
  ANALYTICS_QUERY_NOT_READ_ONLY:
    'Analytics SQL may only read: SELECT, WITH … SELECT, EXPLAIN, DESCRIBE, SUMMARIZE (HTTP 400).',
} as const;

export const AnalyzerErrorCode = defineErrorCodes(ANALYZER_ERROR_MEANINGS);
