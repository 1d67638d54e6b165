/**
 * Codecs of the index database's blobs (engine-neutral: any database stores them as opaque bytes).
 *
 * - Environment chunk: a TickDataChunk holding only cells (snapshot cells + delta cells and tick numbers; no
 *   organisms, RNG, plugin states or checkpoint), protobuf-encoded, one zstd frame.
 * - Organism tick: every OrganismState of one sample, length-delimited, one zstd frame.
 * A one-byte version prefix lets readers refuse blobs they do not understand.
 */
import { compress, decompress } from 'zstd-napi';
import { concatDelimited, readVarint } from '../../contracts/framing.js';
import { OrganismState, TickDataChunk, type TickDataChunkProps } from '../../contracts/index.js';
import { EvochoraError } from '../../../errors.js';
import { cellsOnlyChunk } from './wire.js';

export const BLOB_VERSION = 1;
const LEVEL = { compressionLevel: 1 } as const;

function withVersion(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = BLOB_VERSION;
  out.set(payload, 1);
  return out;
}

function unwrap(blob: Uint8Array, what: string): Buffer {
  if (blob.length === 0 || blob[0] !== BLOB_VERSION) {
    throw new EvochoraError('INDEX_BLOB_VERSION', `Index ${what} blob has version ${blob[0] ?? 'none'}; this build reads version ${BLOB_VERSION}.`, {
      actions: ['Re-index the run with `evochora index --run <runId>`.'],
    });
  }
  return decompress(blob.subarray(1));
}

/** The cells-only chunk of a decoded TickDataChunk. */
export function environmentChunkOf(chunk: TickDataChunk): TickDataChunkProps {
  const s = chunk.snapshot;
  return {
    simulationRunId: chunk.simulationRunId,
    firstTick: chunk.firstTick,
    lastTick: chunk.lastTick,
    tickCount: chunk.tickCount,
    snapshot: s ? { tickNumber: s.tickNumber, cells: s.cells, totalOrganismsCreated: s.totalOrganismsCreated } : null,
    deltas: chunk.deltas.map((d) => ({ tickNumber: d.tickNumber, deltaType: d.deltaType, changedCells: d.changedCells, totalOrganismsCreated: d.totalOrganismsCreated })),
  };
}

export function encodeEnvironmentBlob(chunk: TickDataChunk): Uint8Array {
  return withVersion(compress(TickDataChunk.encode(environmentChunkOf(chunk)).finish(), LEVEL));
}

/** The same blob from the encoded chunk, without decoding it (see wire.ts). */
export function environmentBlobOfEncoded(chunk: Uint8Array): Uint8Array {
  return withVersion(compress(cellsOnlyChunk(chunk), LEVEL));
}

/** The organism blob from already-encoded OrganismState messages. */
export function organismBlobOfEncoded(states: readonly Uint8Array[]): Uint8Array {
  return withVersion(compress(concatDelimited(states), LEVEL));
}

export function decodeEnvironmentBlob(blob: Uint8Array): TickDataChunk {
  return TickDataChunk.decode(unwrap(blob, 'environment'));
}

export function encodeOrganismBlob(states: readonly OrganismState[]): Uint8Array {
  return withVersion(compress(concatDelimited(states.map((s) => OrganismState.encode(s).finish())), LEVEL));
}

export function decodeOrganismBlob(blob: Uint8Array): OrganismState[] {
  const buf = unwrap(blob, 'organism');
  const out: OrganismState[] = [];
  let off = 0;
  while (off < buf.length) {
    const v = readVarint(buf, off);
    if (!v) throw new RangeError('truncated organism blob');
    const [len, start] = v;
    out.push(OrganismState.decode(buf.subarray(start, start + len)));
    off = start + len;
  }
  return out;
}
