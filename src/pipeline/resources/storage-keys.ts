/**
 * Storage keys: `<runId>/raw/metadata.pb.zst` and `<runId>/raw/<bucket>/<bucket>/batch_<first19>_<last19>.pb.zst`.
 * Deterministic names make a retried write land on the same key; zero padding makes lexical order tick order.
 */
import { EvochoraError } from '../../errors.js';
import { validateRunId } from '../contracts/run-id.js';
import { PipelineErrorCode } from '../error-codes.js';

export const BATCH_FILE_PATTERN = /^batch_(\d{19})_(\d{19})\.pb\.zst$/;
export const METADATA_FILE = 'metadata.pb.zst';
/** A run's analytics live under `<runId>/analytics/` beside its `raw/` batches. */
export const ANALYTICS_DIR = 'analytics';
/** Default folder levels: tick 123,456,789 lands in `001/234/`. */
export const DEFAULT_FOLDER_LEVELS: readonly number[] = [100_000_000, 100_000];

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[<>:"|?*\\\u0000-\u001f\u007f]/;

export class InvalidStorageKeyError extends EvochoraError {
  constructor(key: string, problem: string) {
    super(PipelineErrorCode.INVALID_STORAGE_KEY, `Invalid storage key '${key}': ${problem}.`, {
      actions: ['Keys are relative paths of plain names separated by "/", without "..", "\\" or drive letters.'],
      data: { key },
    });
  }
}

/** Throws InvalidStorageKeyError unless `key` is a safe relative path; returns it unchanged. */
export function validateKey(key: string): string {
  if (key.length === 0) throw new InvalidStorageKeyError(key, 'it is empty');
  if (key.length > 1024) throw new InvalidStorageKeyError(key, 'it is longer than 1024 characters');
  if (key.startsWith('/')) throw new InvalidStorageKeyError(key, 'it is an absolute path');
  if (/^[A-Za-z]:/.test(key)) throw new InvalidStorageKeyError(key, 'it starts with a drive letter');
  if (FORBIDDEN.test(key)) throw new InvalidStorageKeyError(key, 'it contains a control character or one of <>:"|?*\\');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidStorageKeyError(key, 'it contains an empty path segment');
    if (segment === '.' || segment === '..')
      throw new InvalidStorageKeyError(key, `it contains a '${segment}' segment`);
  }
  return key;
}

export function pad19(tick: number): string {
  if (!Number.isSafeInteger(tick) || tick < 0) throw new RangeError(`tick ${tick} is not a non-negative safe integer`);
  return String(tick).padStart(19, '0');
}

/** Folder buckets of a tick: for each level d, `remaining / d` as 3+ digits, then `remaining %= d`. */
export function bucketsOf(tick: number, levels: readonly number[] = DEFAULT_FOLDER_LEVELS): string[] {
  let remaining = tick;
  return levels.map((d) => {
    const b = Math.floor(remaining / d);
    remaining %= d;
    return String(b).padStart(3, '0');
  });
}

export function batchFileName(firstTick: number, lastTick: number): string {
  return `batch_${pad19(firstTick)}_${pad19(lastTick)}.pb.zst`;
}

export function batchKey(
  runId: string,
  firstTick: number,
  lastTick: number,
  levels: readonly number[] = DEFAULT_FOLDER_LEVELS,
): string {
  validateRunId(runId);
  if (lastTick < firstTick) throw new RangeError(`last tick ${lastTick} is before first tick ${firstTick}`);
  return [runId, 'raw', ...bucketsOf(firstTick, levels), batchFileName(firstTick, lastTick)].join('/');
}

/** The run a storage key belongs to (its first path segment, as batchKey and metadataKey write it). */
export function runIdOfKey(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

export function metadataKey(runId: string): string {
  return `${validateRunId(runId)}/raw/${METADATA_FILE}`;
}

export interface ParsedBatchName {
  readonly firstTick: number;
  readonly lastTick: number;
}

export function parseBatchFileName(name: string): ParsedBatchName | undefined {
  const m = BATCH_FILE_PATTERN.exec(name);
  if (!m) return undefined;
  return { firstTick: Number(m[1]), lastTick: Number(m[2]) };
}

/** Temp files of in-progress writes: never listed, never read. */
export function isTempFileName(name: string): boolean {
  return name.endsWith('.tmp') || name.startsWith('.');
}
