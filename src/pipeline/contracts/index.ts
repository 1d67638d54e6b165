/**
 * The data contracts of the recording pipeline: generated protobuf classes (from proto/*.proto, built by
 * scripts/build-proto.js), the storage format version, and the in-process message shapes queues carry.
 */
import { evochora } from './generated/contracts.js';
import type { TracedMessage } from '../api/queue.js';
import type { ChunkLease } from '../api/chunk-lease.js';

const c = evochora.contracts;

export const TickDataChunk = c.TickDataChunk;
export type TickDataChunk = evochora.contracts.TickDataChunk;
export const TickData = c.TickData;
export type TickData = evochora.contracts.TickData;
export const TickDelta = c.TickDelta;
export type TickDelta = evochora.contracts.TickDelta;
export const DeltaType = c.DeltaType;
export type DeltaType = evochora.contracts.DeltaType;
export const CellDataColumns = c.CellDataColumns;
export type CellDataColumns = evochora.contracts.CellDataColumns;
export const OrganismState = c.OrganismState;
export type OrganismState = evochora.contracts.OrganismState;
export const OrganismDelta = c.OrganismDelta;
export type OrganismDelta = evochora.contracts.OrganismDelta;
export const RegisterValue = c.RegisterValue;
export type RegisterValue = evochora.contracts.RegisterValue;
export const Vector = c.Vector;
export type Vector = evochora.contracts.Vector;
export const ProcFrame = c.ProcFrame;
export type ProcFrame = evochora.contracts.ProcFrame;
export const PluginState = c.PluginState;
export type PluginState = evochora.contracts.PluginState;
export const SimulationMetadata = c.SimulationMetadata;
export type SimulationMetadata = evochora.contracts.SimulationMetadata;
export const ProgramArtifact = c.ProgramArtifact;
export type ProgramArtifact = evochora.contracts.ProgramArtifact;
export const BatchInfo = c.BatchInfo;
export type BatchInfo = evochora.contracts.BatchInfo;
export const MetadataInfo = c.MetadataInfo;
export type MetadataInfo = evochora.contracts.MetadataInfo;
export const DeadLetterMessage = c.DeadLetterMessage;
export type DeadLetterMessage = evochora.contracts.DeadLetterMessage;
export const StorageFileHeader = c.StorageFileHeader;
export type StorageFileHeader = evochora.contracts.StorageFileHeader;

export type TickDataChunkProps = evochora.contracts.TickDataChunk.$Properties;
export type TickDataProps = evochora.contracts.TickData.$Properties;
export type TickDeltaProps = evochora.contracts.TickDelta.$Properties;
export type OrganismStateProps = evochora.contracts.OrganismState.$Properties;
export type SimulationMetadataProps = evochora.contracts.SimulationMetadata.$Properties;
export type RunProvenanceProps = evochora.contracts.RunProvenance.$Properties;
export type DeadLetterMessageProps = evochora.contracts.DeadLetterMessage.$Properties;

/**
 * Version of the on-disk format (header + length-delimited payloads, zstd). Bump it whenever a reader of the
 * previous version would misread a new file; readers refuse versions they do not know.
 */
export const STORAGE_FORMAT_VERSION = 3;
/**
 * 1: every delta carries every organism's full state; 2: deltas carry organism deltas (OrganismDelta), chunk
 * cell columns as byte planes; 3: the same stream, each message in its own zstd frame, with a frame table at the
 * end of the file, so one chunk can be read without decompressing its batch (storage-file.ts).
 */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1, 2, 3];

export const CONTENT_TICK_DATA_CHUNK = 'TickDataChunk';
export const CONTENT_SIMULATION_METADATA = 'SimulationMetadata';
export const CONTENT_DEAD_LETTER = 'DeadLetterMessage';

/**
 * One encoded TickDataChunk as it travels through the tick queue: the protobuf bytes plus the few fields
 * consumers need without decoding (run id, tick range, tick count). The bytes cross the worker boundary as a
 * transferred ArrayBuffer and go to disk unchanged.
 */
export interface ChunkMessage extends TracedMessage {
  readonly simulationRunId: string;
  readonly firstTick: number;
  readonly lastTick: number;
  readonly tickCount: number;
  readonly data: Uint8Array;
  /**
   * Present when `data` lies in reused memory (the engine's assembled chunks): the message's share of it. Only
   * the consumer that is done with the message for good releases it (PersistenceService, once the chunk is stored
   * and committed); whoever keeps the bytes beyond that holds a share of its own (the storage's recent-batch
   * cache). A message that is dead-lettered or dropped is never released: its memory is then simply not reused.
   */
  readonly lease?: ChunkLease;
}

/** The one SimulationMetadata of a run as it travels through the metadata queue. */
export interface MetadataMessage extends TracedMessage {
  readonly simulationRunId: string;
  readonly data: Uint8Array;
}

export function chunkMessageOf(chunk: TickDataChunkProps): ChunkMessage {
  const data = TickDataChunk.encode(chunk).finish();
  return {
    simulationRunId: chunk.simulationRunId ?? '',
    firstTick: Number(chunk.firstTick ?? 0),
    lastTick: Number(chunk.lastTick ?? 0),
    tickCount: chunk.tickCount ?? 0,
    data,
  };
}

export { int32ToBytes, bytesToInt32, columnsOf, columnsToArrays } from './columns.js';
export { writeVarint, readVarint, delimitedSize, concatDelimited } from './framing.js';
