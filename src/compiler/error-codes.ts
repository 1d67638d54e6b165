/**
 * Error codes of `evochora compile` beyond the per-diagnostic codes (diagnostic-codes.ts): the `code` of its
 * error envelope. Stable; docs/errors.md lists them.
 */
import { defineErrorCodes } from '../errors.js';

export const COMPILE_ERROR_MEANINGS = {
  EVOASM_COMPILE_FAILED:
    'The program has compile errors; `diagnostics` lists each with file, line, column and code (exit 1).',
  EVOASM_BAD_ENV: '`--env` is not a world like 512x512, 64x64:bounded or 32x32x8:torus (exit 2).',
  EVOASM_OUTPUT_FAILED: 'The artifact cannot be written to the `-o` path (exit 2).',
} as const;

export const CompileErrorCode = defineErrorCodes(COMPILE_ERROR_MEANINGS);
