/**
 * Recovery of dead letters: a failed batch (`TickDataChunk[]`) is written again as its batch file, failed
 * metadata as the run's metadata file, into whichever storage the caller gives (the file system, or S3 in the
 * distributed shape). Successfully replayed letters are removed from their DLQ (a directory or the shared bucket).
 */
import { splitDelimited } from '../contracts/framing.js';
import type { ChunkMessage, DeadLetterMessage } from '../contracts/index.js';
import { EvochoraError } from '../../errors.js';
import type { DeadLetterArchive } from './dead-letter-archive.js';
import type { BatchStorageWriter } from '../api/batch-storage.js';
import { peekChunk } from './storage-file.js';
import { PipelineErrorCode } from '../error-codes.js';

export interface ReplayOutcome {
  readonly id: string;
  readonly messageType: string;
  readonly ok: boolean;
  readonly storageKey?: string;
  readonly ticks?: number;
  readonly error?: string;
  readonly removed: boolean;
}

export function chunksOfDeadLetter(letter: DeadLetterMessage): ChunkMessage[] {
  return splitDelimited(letter.originalMessage).map((data) => ({ ...peekChunk(data), data }));
}

export async function replayDeadLetter(
  store: DeadLetterArchive,
  id: string,
  storage: BatchStorageWriter,
  keep = false,
): Promise<ReplayOutcome> {
  let letter: DeadLetterMessage;
  try {
    letter = await store.read(id);
  } catch (err) {
    return { id, messageType: '?', ok: false, error: (err as Error).message, removed: false };
  }
  try {
    let storageKey: string;
    let ticks: number | undefined;
    if (letter.messageType === 'TickDataChunk[]') {
      const chunks = chunksOfDeadLetter(letter);
      if (chunks.length === 0)
        throw new EvochoraError(PipelineErrorCode.EMPTY_DEAD_LETTER, `dead letter ${id} holds no chunks`);
      storageKey = storage.batchKey(chunks[0]!.simulationRunId, chunks[0]!.firstTick, chunks.at(-1)!.lastTick);
      const r = await storage.writeBatch(storageKey, chunks);
      ticks = r.tickCount;
    } else if (letter.messageType === 'SimulationMetadata') {
      const runId = letter.metadata.simulationRunId ?? '';
      storageKey = (await storage.writeMetadata(runId, letter.originalMessage)).key;
    } else {
      throw new EvochoraError(
        PipelineErrorCode.UNKNOWN_DEAD_LETTER_TYPE,
        `dead letter ${id} holds '${letter.messageType}', which replay does not know`,
      );
    }
    if (!keep) await store.remove(id);
    return {
      id,
      messageType: letter.messageType,
      ok: true,
      storageKey,
      ...(ticks !== undefined ? { ticks } : {}),
      removed: !keep,
    };
  } catch (err) {
    return { id, messageType: letter.messageType, ok: false, error: (err as Error).message, removed: false };
  }
}
