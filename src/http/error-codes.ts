/**
 * Error codes of the HTTP API (any route): the `code` of a thrown error, a JSON error envelope and an HTTP error body.
 * Stable: scripts and agents match on them. Each code says what it means; docs/errors.md lists them all.
 */
import { defineErrorCodes } from '../errors.js';

export const HTTP_ERROR_MEANINGS = {
  BAD_REQUEST: 'The request is malformed: a query parameter, the JSON body or its size (HTTP 400).',
  HEADERS_TOO_LARGE: 'The request headers exceed the 16 KiB the server accepts (HTTP 431).',
  PAYLOAD_TOO_LARGE: 'The request body is larger than any route accepts (1 MiB; HTTP 413).',
  METHOD_NOT_ALLOWED: 'The path exists but not for this method (HTTP 405).',
  NOT_FOUND: 'No route answers this method and path (HTTP 404).',
  UNAUTHORIZED: 'A mutating request without the node token (HTTP 401); the CLI sends it from <data-dir>/node/token.',
  INTERNAL_ERROR: 'A bug: an unexpected error (HTTP 500; exit 10 in the CLI); the node log has the stack.',
} as const;

export const HttpErrorCode = defineErrorCodes(HTTP_ERROR_MEANINGS);
