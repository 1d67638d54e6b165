/**
 * The base of every error the product raises on purpose. `code` is stable and documented; scripts and
 * the HTTP API rely on it. `exitCode` is what the CLI exits with; `actions` tell the user how to fix it.
 */
import { ExitCode } from './exit-codes.js';

export interface EvochoraErrorOptions {
  exitCode?: ExitCode;
  actions?: string[];
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class EvochoraError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly actions: string[];
  readonly data: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: EvochoraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.Failure;
    this.actions = options.actions ?? [];
    this.data = options.data;
  }
}

export function isEvochoraError(err: unknown): err is EvochoraError {
  return err instanceof EvochoraError;
}

/**
 * One area's catalogue of error codes: each code with what it means. Returns the codes as constants
 * (`X.PORT_IN_USE === 'PORT_IN_USE'`), so a thrown error names a catalogued code, never a loose string;
 * docs/errors.md lists every catalogue (test/unit/error-codes.test.ts keeps it in step).
 */
export function defineErrorCodes<const T extends Record<string, string>>(meanings: T): { readonly [K in keyof T]: K } {
  return Object.fromEntries(Object.keys(meanings).map((k) => [k, k])) as { readonly [K in keyof T]: K };
}
