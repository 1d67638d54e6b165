/**
 * The analytics ports: where the AnalyticsIndexer writes a run's Parquet files and part manifests, and where
 * the analyzer and `evochora analytics` read them. Storage resources offer it beside batch storage (bound as
 * `analytics-write` / `analytics-read`), so analytics live next to the run: `<runId>/analytics/<path>` on the
 * file system and under the same prefix in S3.
 */
export interface AnalyticsFileInfo {
  /** Path relative to the run's analytics root, e.g. `parts/part_…json` or `population/lod1/part_….parquet`. */
  readonly path: string;
  readonly sizeBytes: number;
}

export interface AnalyticsReader {
  /** Runs that have analytics. */
  listAnalyticsRuns(): Promise<string[]>;
  /** Files of a run's analytics whose path starts with `prefix` (all when omitted), sorted by path. */
  listAnalyticsFiles(runId: string, prefix?: string): Promise<AnalyticsFileInfo[]>;
  /** A file's bytes, or undefined when it does not exist. */
  readAnalyticsFile(runId: string, path: string): Promise<Uint8Array | undefined>;
  /** The local directory holding the run's analytics when the storage is a file system (DuckDB reads it there). */
  localAnalyticsDirectory?(runId: string): string | undefined;
}

export interface AnalyticsWriter {
  /** Writes a file atomically (a reader never sees part of it); replaces an existing one. */
  writeAnalyticsFile(runId: string, path: string, bytes: Uint8Array): Promise<void>;
  /** Removes a file; no error when it is not there. */
  deleteAnalyticsFile(runId: string, path: string): Promise<void>;
}

export type AnalyticsStore = AnalyticsReader & AnalyticsWriter;

/** Whether a resource or port offers the analytics operations. */
export function isAnalyticsStore(x: unknown): x is AnalyticsStore {
  const s = x as Partial<AnalyticsStore> | undefined;
  return typeof s?.writeAnalyticsFile === 'function' && typeof s.listAnalyticsFiles === 'function';
}
