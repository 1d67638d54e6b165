/**
 * The storage and index a command that works on stored runs reads (`verify`, `inspect storage`, `index`): those
 * the configuration's pipeline binds, so a command given a node's config (`-c`) sees what that node records:
 * the file system and SQLite by default, S3 and PostgreSQL in a distributed config. `--storage-dir` and
 * `--index-dir` point at directories instead. Only the resources asked for are created; `close` ends them.
 */
import { resolve } from 'node:path';
import type { EvochoraConfig } from '../config/config-schema.js';
import {
  DB_USAGES,
  isBatchStorageReader,
  isBatchStorageWriter,
  isIndexDatabaseResource,
  loadConfiguredResources,
  loadFileSystemStorage,
  loadRegistry,
  loadSqliteIndexDatabase,
  storageRootOf,
  type BatchStorageReader,
  type BatchStorageWriter,
  type IndexDatabase,
  type Resource,
} from '../pipeline/index.js';

export interface StoredRunBackends {
  readonly storage: BatchStorageReader;
  /** Undefined when not asked for, or when the configuration has no index database. */
  readonly index?: IndexDatabase;
  /** Where the storage is, for messages (a directory or `S3Storage 'tick-storage'`). */
  readonly storageLabel: string;
  /** Which index database, for messages (`PostgresIndexDatabase 'index-database'`). */
  readonly indexLabel?: string;
  close(): Promise<void>;
}

export async function storedRunBackends(
  config: EvochoraConfig,
  options: { storageDir?: string; indexDir?: string; withIndex?: boolean },
): Promise<StoredRunBackends> {
  const [{ createConfiguredResource, resourceBoundAs }, { defaultRegistry }, { FileSystemStorage }] = await Promise.all(
    [loadConfiguredResources(), loadRegistry(), loadFileSystemStorage()],
  );
  const created: Resource[] = [];
  const close = async (): Promise<void> => {
    for (const r of created.splice(0)) await r.close?.().catch(() => undefined);
  };
  const configured = async (usages: readonly string[]): Promise<Resource | undefined> => {
    const name = resourceBoundAs(config, usages);
    if (!name) return undefined;
    const r = await createConfiguredResource(config, defaultRegistry(), name);
    created.push(r);
    return r;
  };
  try {
    let storage: BatchStorageReader | undefined;
    let storageLabel = '';
    if (options.storageDir === undefined) {
      const r = await configured(['storage-read', 'storage-write']);
      if (r && isBatchStorageReader(r) && !(r instanceof FileSystemStorage)) {
        storage = r;
        storageLabel = `${r.type} '${r.name}'`;
      } else if (r instanceof FileSystemStorage) {
        storage = r;
        storageLabel = r.root;
      }
    }
    if (!storage) {
      const fs = new FileSystemStorage('stored-runs', {
        rootDirectory: storageRootOf(config.node.dataDir, options.storageDir),
        compressInWorker: false,
      });
      created.push(fs);
      storage = fs;
      storageLabel = fs.root;
    }
    let index: IndexDatabase | undefined;
    let indexLabel: string | undefined;
    if (options.withIndex) {
      if (options.indexDir !== undefined) {
        const { SqliteIndexDatabase } = await loadSqliteIndexDatabase();
        const db = new SqliteIndexDatabase('stored-runs', { directory: resolve(options.indexDir) });
        created.push(db);
        index = db;
        indexLabel = db.directory;
      } else {
        const r = await configured(DB_USAGES);
        if (r && isIndexDatabaseResource(r)) {
          index = r.indexDatabase;
          indexLabel = `${r.type} '${r.name}'`;
        }
      }
    }
    return { storage, ...(index ? { index } : {}), storageLabel, ...(indexLabel ? { indexLabel } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The storage the configuration's services write runs to, when it is not the file system (S3 in a distributed
 * config), for commands that write runs offline (`dlq replay`); undefined means the file system under the data
 * dir, which the caller opens as it always did. `close` ends it.
 */
export async function configuredStorageWriter(
  config: EvochoraConfig,
): Promise<{ storage: BatchStorageWriter; label: string; close(): Promise<void> } | undefined> {
  const { createConfiguredResource, resourceBoundAs } = await loadConfiguredResources();
  // A host that only reads runs (the indexer host) still names the deployment's storage.
  const name = resourceBoundAs(config, ['storage-write']) ?? resourceBoundAs(config, ['storage-read']);
  if (!name || config.pipeline.resources[name]?.className === 'FileSystemStorage') return undefined;
  const { defaultRegistry } = await loadRegistry();
  const r = await createConfiguredResource(config, defaultRegistry(), name);
  if (!isBatchStorageWriter(r)) {
    await r.close?.().catch(() => undefined);
    return undefined;
  }
  return { storage: r, label: `${r.type} '${r.name}'`, close: async () => void (await r.close?.()) };
}
