/**
 * The one JSON shape every command prints with `--json` (or EVOCHORA_CONTENT_TYPE=json):
 *   success: { status, result, warnings }
 *   failure: { status, name, code, message, actions, data? }
 * `status` equals the process exit code.
 */
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { CliErrorCode } from './error-codes.js';
import { HttpErrorCode } from '../http/error-codes.js';

export interface SuccessEnvelope<T> {
  status: number;
  result: T;
  warnings: string[];
}

export interface ErrorEnvelope {
  status: number;
  name: string;
  code: string;
  message: string;
  actions: string[];
  data?: Record<string, unknown>;
  warnings: string[];
}

interface OclifishError {
  oclif?: { exit?: number };
  exitCode?: number;
  code?: string;
}

/** The exit code for any error: our codes, oclif's usage errors (2), and 10 for bugs (TypeError and co). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof EvochoraError) return err.exitCode;
  const e = err as OclifishError;
  if (typeof e?.oclif?.exit === 'number')
    return e.oclif.exit === 0 ? 0 : e.oclif.exit === 2 || e.oclif.exit === 127 ? ExitCode.Usage : e.oclif.exit;
  if (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError
  )
    return ExitCode.InternalError;
  return ExitCode.Failure;
}

export function errorEnvelope(err: unknown, warnings: string[] = []): ErrorEnvelope {
  const status = exitCodeFor(err);
  if (err instanceof EvochoraError) {
    return {
      status,
      name: err.name,
      code: err.code,
      message: err.message,
      actions: err.actions,
      ...(err.data ? { data: err.data } : {}),
      warnings,
    };
  }
  const e = err as Error & OclifishError;
  const usage = status === ExitCode.Usage;
  return {
    status,
    name: e?.name ?? 'Error',
    code: usage
      ? CliErrorCode.USAGE
      : status === ExitCode.InternalError
        ? HttpErrorCode.INTERNAL_ERROR
        : typeof e?.code === 'string'
          ? e.code
          : CliErrorCode.FAILED,
    message: stripAnsi(e?.message ?? String(err)),
    actions: usage
      ? ['Run the command with --help to see its arguments and flags.']
      : status === ExitCode.InternalError
        ? ['This is a bug in evochora; please report it with the command you ran.']
        : [],
    warnings,
  };
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** The stderr rendering of an error without --json: code, message, and one line per action. */
export function formatErrorForHumans(err: unknown): string {
  const env = errorEnvelope(err);
  const lines = [`Error (${env.code}): ${stripAnsi(env.message)}`];
  for (const action of env.actions) lines.push(`  → ${action}`);
  if (env.status === ExitCode.InternalError && err instanceof Error && err.stack) lines.push(err.stack);
  return `${lines.join('\n')}\n`;
}

/** JSON mode is on with --json (before any `--`) or EVOCHORA_CONTENT_TYPE=json, as oclif decides it. */
export function jsonRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.EVOCHORA_CONTENT_TYPE?.toLowerCase() === 'json') return true;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
