/**
 * Completes a chunk whose organism deltas were deferred (ChunkEncoderOptions.deferOrganismDeltas): writes each
 * TickDelta again with its organism deltas encoded from the journal records appended to its body. The engine
 * worker finds what changed; the main thread, which has spare time while the simulation thread has none, writes
 * the bytes. The result is byte for byte the chunk an encoder without deferral writes (organism-delta-journal.test.ts).
 */
import { readVarint } from '../contracts/framing.js';
import { CHUNK_DELTA_TAG, ORGANISM_DELTA_TAG, type DeferredOrganismDeltas } from './chunk-encoder.js';
import { encodeOrganismDeltas } from './organism-delta-journal.js';
import { ProtoWriter, varintSize } from './proto-writer.js';

/** Reused between chunks: grows to the largest chunk's deltas once instead of per chunk. */
const out = new ProtoWriter(256 * 1024);

/**
 * The chunk's complete bytes, in memory from `alloc` when given (the engine's reused chunk buffers), else a fresh
 * buffer of their own. The input stays as it was.
 *
 * The bytes before the first deferred TickDelta (the header and the snapshot: ~40 % of a mature chunk) are copied
 * once, straight into the result; only the deltas are written to a scratch writer first, since the result's size
 * is known once their organism deltas are encoded.
 */
export function assembleChunk(
  bytes: Uint8Array,
  deferred: DeferredOrganismDeltas,
  alloc?: (bytes: number) => Uint8Array,
): Uint8Array {
  const { index, ints, raw } = deferred;
  const w = out;
  w.reset();
  const head = index.length > 0 ? index[0]! : bytes.length;
  let cursor = head;
  for (let k = 0; k < index.length; k += 3) {
    const tagAt = index[k]!;
    const len = tagAt >= cursor && bytes[tagAt] === CHUNK_DELTA_TAG ? readVarint(bytes, tagAt + 1) : undefined;
    const bodyEnd = len ? len[1] + len[0] : -1;
    if (!len || bodyEnd > bytes.length)
      throw new RangeError(`deferred organism deltas: no TickDelta at byte ${tagAt} of a ${bytes.length}-byte chunk`);
    w.rawRange(bytes, cursor, tagAt);
    w.tag(CHUNK_DELTA_TAG);
    // Two bytes for the length, what nearly every TickDelta with its organisms needs (128 B to 16 KB): the body
    // is not shifted afterwards, as a one-byte reservation would make it be.
    const lengthAt = w.pos;
    w.skip(2);
    w.rawRange(bytes, len[1], bodyEnd);
    encodeOrganismDeltas(w, ORGANISM_DELTA_TAG, ints, index[k + 1]!, index[k + 2]!, raw);
    closeLength2(w, lengthAt);
    cursor = bodyEnd;
  }
  w.rawRange(bytes, cursor, bytes.length);
  const total = head + w.pos;
  // A buffer of its own (transferable and kept by the queue), not zero-filled first: every byte is copied into it.
  const into = alloc ? alloc(total) : new Uint8Array(Buffer.allocUnsafeSlow(total).buffer, 0, total);
  into.set(bytes.subarray(0, head), 0);
  into.set(w.buf.subarray(0, w.pos), head);
  return into;
}

/** Writes the length of the body after the two bytes reserved at `at`, shifting the body when it needs another size. */
function closeLength2(w: ProtoWriter, at: number): void {
  const len = w.pos - at - 2;
  const size = varintSize(len);
  if (size !== 2) {
    w.ensure(size);
    w.buf.copyWithin(at + size, at + 2, w.pos);
    w.pos += size - 2;
  }
  w.uvarintAt(at, len);
}
