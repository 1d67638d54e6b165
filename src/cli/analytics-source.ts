/**
 * Where `evochora analytics …` reads a run's analytics: the storage directory of the configured data dir
 * (or --storage-dir), as `inspect storage` and `index` read runs. No node needs to run.
 */
import { Flags } from './oclif.js';
import { AnalyzerService } from '../analyzer/analyzer-service.js';
import { storageDirFlags } from './base-command.js';
import { loadFileSystemStorage, storageRootOf } from '../pipeline/index.js';

export const analyticsSourceFlags = {
  run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
  ...storageDirFlags,
};

export async function analyzerFor(dataDir: string, storageDir: string | undefined): Promise<AnalyzerService> {
  const { FileSystemStorage } = await loadFileSystemStorage();
  const storage = new FileSystemStorage('analytics-command', {
    rootDirectory: storageRootOf(dataDir, storageDir),
    compressInWorker: false,
  });
  return new AnalyzerService(storage, undefined, storage);
}

/** Rows as an aligned text table (long values cut), for people; scripts use --json. */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  const text = (v: unknown): string => {
    const s =
      v === null || v === undefined ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : String(v);
    return s.length > 40 ? `${s.slice(0, 39)}…` : s;
  };
  const cells = rows.map((r) => r.map(text));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: readonly string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
