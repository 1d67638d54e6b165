/**
 * The manifest of one analytics part: which stored batches it covers and which files hold its tables. Readers
 * only read files a manifest names, so the files of a part cut short by a crash (written before its manifest)
 * are never seen, and the batches it would have covered are analysed again.
 */
import { EvochoraError } from '../../errors.js';
import type { AnalyticsReader } from '../api/analytics-store.js';
import { PipelineErrorCode } from '../error-codes.js';
import { PARTS_DIR, parseManifestName } from './analytics-keys.js';

export const MANIFEST_FORMAT = 1;

export interface PartTableFile {
  readonly table: string;
  readonly kind: 'per-tick' | 'events';
  readonly schemaVersion: number;
  /** 1 = every sampled tick; f = buckets of f ticks. */
  readonly level: number;
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface PartManifest {
  readonly format: number;
  readonly runId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  /** Samples walked (rows of `population` at level 1; other per-tick tables have one per measured sample). */
  readonly samples: number;
  /** When the per-tick tables measured: 'snapshots' or 'every-sample'. */
  readonly resolution: string;
  readonly batches: ReadonlyArray<{ readonly key: string; readonly firstTick: number; readonly lastTick: number }>;
  readonly files: readonly PartTableFile[];
  readonly writtenAtMs: number;
  readonly writer: string;
}

export class AnalyticsFileInvalidError extends EvochoraError {
  constructor(runId: string, path: string, problem: string) {
    super(
      PipelineErrorCode.ANALYTICS_FILE_INVALID,
      `Analytics file ${runId}/analytics/${path} is invalid: ${problem}.`,
      {
        actions: [`Rebuild the run's analytics: \`evochora index --run ${runId} --only analytics\`.`],
        data: { runId, path },
      },
    );
  }
}

function parseManifest(runId: string, path: string, bytes: Uint8Array): PartManifest {
  let m: Partial<PartManifest>;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<PartManifest>;
  } catch (err) {
    throw new AnalyticsFileInvalidError(runId, path, `not JSON (${(err as Error).message})`);
  }
  if (m.format !== MANIFEST_FORMAT)
    throw new AnalyticsFileInvalidError(
      runId,
      path,
      `format ${String(m.format)}, this version reads ${MANIFEST_FORMAT}`,
    );
  if (!Array.isArray(m.files) || !Array.isArray(m.batches) || typeof m.firstTick !== 'number')
    throw new AnalyticsFileInvalidError(runId, path, 'files, batches or firstTick missing');
  return m as PartManifest;
}

/** Every part manifest of a run, in tick order (none: an empty list). */
export async function readPartManifests(store: AnalyticsReader, runId: string): Promise<PartManifest[]> {
  const out: PartManifest[] = [];
  for (const f of await store.listAnalyticsFiles(runId, `${PARTS_DIR}/`)) {
    const name = f.path.slice(PARTS_DIR.length + 1);
    if (!parseManifestName(name)) continue;
    const bytes = await store.readAnalyticsFile(runId, f.path);
    if (!bytes) continue; // removed meanwhile
    out.push(parseManifest(runId, f.path, bytes));
  }
  out.sort((a, b) => a.firstTick - b.firstTick || a.lastTick - b.lastTick);
  return out;
}
