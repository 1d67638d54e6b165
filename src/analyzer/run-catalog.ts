/**
 * What a run's analytics hold, from its part manifests: per table its kind, schema version, levels of detail
 * and the files of each level, as local paths. Analytics on the file system are read where they lie; others
 * (S3) are mirrored file by file into a local cache directory first, since DuckDB reads local files here.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EvochoraError } from '../errors.js';
import type { AnalyticsReader } from '../pipeline/api/analytics-store.js';
import { readPartManifests, type PartManifest } from '../pipeline/analytics/part-manifest.js';
import { AnalyzerErrorCode } from './error-codes.js';

export class AnalyticsNotFoundError extends EvochoraError {
  constructor(runId: string) {
    super(AnalyzerErrorCode.ANALYTICS_NOT_FOUND, `Run '${runId}' has no analytics yet.`, {
      actions: [
        'A node with the AnalyticsIndexer (on by default) writes them while recording, a part every few seconds.',
        `For a run recorded without it: \`evochora index --run ${runId}\`.`,
      ],
      data: { runId },
    });
  }
}

export class AnalyticsTableNotFoundError extends EvochoraError {
  constructor(runId: string, what: string, known: readonly string[]) {
    super(AnalyzerErrorCode.ANALYTICS_TABLE_NOT_FOUND, `Run '${runId}' has no analytics ${what}.`, {
      actions: [`Known: ${known.join(', ')}.`],
      data: { runId },
    });
  }
}

export interface CatalogTable {
  readonly id: string;
  readonly kind: 'per-tick' | 'events';
  readonly schemaVersion: number;
  /** Level → local file paths, in tick order. */
  readonly levels: ReadonlyMap<number, readonly string[]>;
  /** Level → rows over all parts (a bucket cut by a part boundary counts twice). */
  readonly rows: ReadonlyMap<number, number>;
  readonly bytes: number;
}

export class RunCatalog {
  private constructor(
    readonly runId: string,
    readonly parts: readonly PartManifest[],
    readonly tables: ReadonlyMap<string, CatalogTable>,
  ) {}

  /** First and last tick the analytics cover. */
  get firstTick(): number {
    return this.parts[0]!.firstTick;
  }

  get lastTick(): number {
    return Math.max(...this.parts.map((p) => p.lastTick));
  }

  get samples(): number {
    return this.parts.reduce((n, p) => n + p.samples, 0);
  }

  /** Changes whenever a part is added: the basis of ETags and of reopening a live run's SQL views. */
  get fingerprint(): string {
    const last = this.parts[this.parts.length - 1]!;
    return `${this.parts.length}-${last.firstTick}-${last.lastTick}-${last.writtenAtMs}`;
  }

  table(id: string): CatalogTable {
    const t = this.tables.get(id);
    if (!t) throw new AnalyticsTableNotFoundError(this.runId, `table '${id}'`, [...this.tables.keys()]);
    return t;
  }

  static async open(reader: AnalyticsReader, runId: string, mirrorRoot: string): Promise<RunCatalog> {
    const parts = await readPartManifests(reader, runId);
    if (parts.length === 0) throw new AnalyticsNotFoundError(runId);
    const local = reader.localAnalyticsDirectory?.(runId);
    const root = local ?? join(mirrorRoot, runId);
    const tables = new Map<
      string,
      {
        id: string;
        kind: 'per-tick' | 'events';
        schemaVersion: number;
        levels: Map<number, string[]>;
        rows: Map<number, number>;
        bytes: number;
      }
    >();
    for (const part of parts)
      for (const f of part.files) {
        const path = join(root, f.path);
        if (!local && !(existsSync(path) && statSync(path).size === f.bytes)) {
          const bytes = await reader.readAnalyticsFile(runId, f.path);
          if (!bytes) continue; // removed since the manifest was read
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, bytes);
        }
        let t = tables.get(f.table);
        if (!t)
          tables.set(
            f.table,
            (t = {
              id: f.table,
              kind: f.kind,
              schemaVersion: f.schemaVersion,
              levels: new Map(),
              rows: new Map(),
              bytes: 0,
            }),
          );
        let files = t.levels.get(f.level);
        if (!files) t.levels.set(f.level, (files = []));
        files.push(path);
        t.rows.set(f.level, (t.rows.get(f.level) ?? 0) + f.rows);
        t.bytes += f.bytes;
      }
    return new RunCatalog(runId, parts, tables);
  }
}
