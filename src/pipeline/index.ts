/**
 * Public face of the recording pipeline: everything the commands, the CLI, the node and experiments use from
 * it, and the only module of src/pipeline they import (scripts/check-architecture.mjs holds them to that).
 *
 * Contracts, guards, error codes and small helpers are exported directly: they are light. The parts that load
 * native modules, SDKs or much code (storage, index databases, the service manager and its type registry, the
 * engine, verification, indexing, analytics, dead letters) sit behind `load…` functions, so a command pays at
 * start only for the parts it uses (each is imported once, on its first call). Their types are exported here
 * too and cost nothing at run time.
 *
 *   // a command imports loadFileSystemStorage, loadServiceManager, loadRegistry and storageRootOf from here
 *   const { FileSystemStorage } = await loadFileSystemStorage();
 *   const storage: BatchStorageReader = new FileSystemStorage('runs', { rootDirectory: storageRootOf(dataDir) });
 *   const { ServiceManager } = await loadServiceManager();
 *   const { defaultRegistry } = await loadRegistry();
 *   const manager = await ServiceManager.create({ config, registry: defaultRegistry(), logger });
 */

// ---- contracts, guards and helpers (light) ----
export { isAnalyticsStore, type AnalyticsReader } from './api/analytics-store.js';
export {
  RunNotFoundError,
  isBatchStorageReader,
  isBatchStorageWriter,
  type BatchStorageReader,
  type BatchStorageWriter,
} from './api/batch-storage.js';
export { chunkSourceOf } from './api/chunk-refs.js';
export { collectHeap } from './api/heap-collection.js';
export { DB_USAGES, isIndexDatabaseResource, type IndexDatabase } from './api/index-database.js';
export { isLifecycleAction, type LifecycleAction } from './api/lifecycle.js';
export type { Resource } from './api/resource.js';
export { isRunRemovalIndex, isRunRemovalStorage } from './api/run-removal.js';
export { PipelineErrorCode } from './error-codes.js';
export { costLine } from './recording-cost.js';
export { DEFAULT_LOD_FACTORS } from './analytics/levels.js';
export { deadLetterDirsOf, storageRootOf } from './resources/storage-locations.js';

// ---- types of the parts behind loaders (erased at run time) ----
export type { PipelineStatus, ServiceManager, ServiceStatus } from './service-manager.js';
export type { TypeRegistry } from './registry.js';
export type { SimulationEngine } from './services/simulation-engine.js';
export type { FileSystemStorage } from './resources/file-system-storage.js';
export type { SqliteIndexDatabase } from './resources/index-db/sqlite-index-database.js';
export type { DeadLetterArchive } from './resources/dead-letter-archive.js';
export type { S3DeadLetterQueue } from './resources/s3/s3-dead-letter-queue.js';
export type { ReplayOutcome } from './resources/dead-letter-replay.js';
export type { VerificationReport } from './verification/verify-run.js';

// ---- parts loaded on first use ----
/** The service manager (starts, stops and reports the configured services). */
export const loadServiceManager = () => import('./service-manager.js');
/** The resource and service types a configuration can name (`defaultRegistry()`). */
export const loadRegistry = () => import('./registry.js');
/** One configured resource by name, and which resource a configuration binds for a use. */
export const loadConfiguredResources = () => import('./configured-resources.js');
/** The simulation engine service (the node reads its run, tick and state for the run journal). */
export const loadSimulationEngine = () => import('./services/simulation-engine.js');
/** The world a configuration's engine would simulate (`compile` without `--env`). */
export const loadConfiguredWorld = () => import('./engine/configured-world.js');
/** Runtime plugins from user modules named in a configuration (`simulate`). */
export const loadUserPluginSupport = () => import('./engine/user-plugins.js');
/** Batch files in a directory tree (zstd, a native module). */
export const loadFileSystemStorage = () => import('./resources/file-system-storage.js');
/** The SQLite index database (better-sqlite3, a native module). */
export const loadSqliteIndexDatabase = () => import('./resources/index-db/sqlite-index-database.js');
/** `verify`: whether a stored run is whole, exact and fully indexed. */
export const loadVerification = () => import('./verification/verify-run.js');
/** Indexing stored batches and metadata outside a running node (`evochora index`). */
export const loadIndexOperations = () => import('./services/indexers/index-operations.js');
/** Building analytics from stored batches, and the metric plugins to choose from. */
export const loadAnalyticsOperations = () => import('./analytics/analytics-operations.js');
export const loadPluginCatalogue = () => import('./analytics/plugin-catalogue.js');
/** Rebuilding any stored tick from its chunk (`inspect storage --tick`). */
export const loadTickReconstruction = () => import('./contracts/tick-reconstruction.js');
/** Dead letters: the file-system store, S3's (AWS SDK), and replaying one into storage. */
export const loadDeadLetterStore = () => import('./resources/dead-letter-store.js');
export const loadS3DeadLetterQueue = () => import('./resources/s3/s3-dead-letter-queue.js');
export const loadDeadLetterReplay = () => import('./resources/dead-letter-replay.js');
