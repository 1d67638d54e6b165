/**
 * Completes a chunk whose organism deltas were deferred (ChunkEncoderOptions.deferOrganismDeltas): writes each
 * TickDelta again with its organism deltas encoded from the journal records appended to its body. The engine
 * worker finds what changed; the main thread, which has spare time while the simulation thread has none, writes
 * the bytes. The result is byte for byte the chunk an encoder without deferral writes (organism-delta-journal.test.ts).
 */
import { readVarint } from '../contracts/framing.js';
import { CHUNK_DELTA_TAG, ORGANISM_DELTA_TAG, type DeferredOrganismDeltas } from './chunk-encoder.js';
import { encodeOrganismDeltas } from './organism-delta-journal.js';
import { ProtoWriter } from './proto-writer.js';

/** Reused between chunks: grows to the largest chunk once instead of per chunk. */
const out = new ProtoWriter(256 * 1024);

/**
 * The chunk's complete bytes, in memory from `alloc` when given (the engine's reused chunk buffers), else a fresh
 * buffer of their own. The input stays as it was.
 */
export function assembleChunk(
  bytes: Uint8Array,
  deferred: DeferredOrganismDeltas,
  alloc?: (bytes: number) => Uint8Array,
): Uint8Array {
  const { index, ints, raw } = deferred;
  const w = out;
  w.reset();
  let cursor = 0;
  for (let k = 0; k < index.length; k += 3) {
    const tagAt = index[k]!;
    const len = tagAt >= cursor && bytes[tagAt] === CHUNK_DELTA_TAG ? readVarint(bytes, tagAt + 1) : undefined;
    const bodyEnd = len ? len[1] + len[0] : -1;
    if (!len || bodyEnd > bytes.length)
      throw new RangeError(`deferred organism deltas: no TickDelta at byte ${tagAt} of a ${bytes.length}-byte chunk`);
    w.rawRange(bytes, cursor, tagAt);
    w.tag(CHUNK_DELTA_TAG);
    w.fork();
    w.rawRange(bytes, len[1], bodyEnd);
    encodeOrganismDeltas(w, ORGANISM_DELTA_TAG, ints, index[k + 1]!, index[k + 2]!, raw);
    w.ldelim();
    cursor = bodyEnd;
  }
  w.rawRange(bytes, cursor, bytes.length);
  if (alloc) {
    const into = alloc(w.pos);
    into.set(w.buf.subarray(0, w.pos));
    return into;
  }
  // A buffer of its own (transferable and kept by the queue), not zero-filled first: every byte is copied into it.
  const chunk = Buffer.allocUnsafeSlow(w.pos);
  w.buf.copy(chunk, 0, 0, w.pos);
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
