/**
 * Simulation run ids: the one rule every layer checks them by (storage keys, index databases, the HTTP API,
 * the CLI), and how the engine makes new ones. A run id names a folder in storage and a database, so it is
 * a plain name: a letter or digit first, then letters, digits, '.', '_' and '-', at most 200 characters.
 */
import { randomUUID } from 'node:crypto';
import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';

export const RUN_ID_MAX_LENGTH = 200;
const RUN_ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${RUN_ID_MAX_LENGTH - 1}}$`);

export class InvalidRunIdError extends EvochoraError {
  constructor(runId: string) {
    super(
      PipelineErrorCode.INVALID_RUN_ID,
      `Invalid simulation run id '${runId.slice(0, 80)}${runId.length > 80 ? '…' : ''}'.`,
      {
        actions: [
          `A run id starts with a letter or digit and contains only letters, digits, ".", "_" and "-" (at most ${RUN_ID_MAX_LENGTH} characters); \`evochora inspect storage\` lists the stored ones.`,
        ],
        data: { runId: runId.slice(0, RUN_ID_MAX_LENGTH + 1) },
      },
    );
  }
}

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** Returns `runId` unchanged, or throws InvalidRunIdError. */
export function validateRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new InvalidRunIdError(runId);
  return runId;
}

/**
 * A new simulation run id: `YYYYMMDD-HHmmssCC-<uuid v4>` in UTC (CC = hundredths). Ids sort by start time;
 * the UUID makes them unique across processes and machines.
 */
export function newRunId(now: Date = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}${p(Math.floor(now.getUTCMilliseconds() / 10))}`;
  return `${date}-${time}-${randomUUID()}`;
}
