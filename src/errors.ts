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
