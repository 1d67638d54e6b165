/**
 * The reading side of a dead-letter queue, whatever keeps it: a directory (DeadLetterStore) or objects in a
 * shared bucket (S3DeadLetterQueue). `evochora dlq list|replay` and `cleanup` work through it, so they treat a
 * host's local DLQ and the deployment's shared one alike. Both keep one file per letter in the same format
 * (storage-file, content type "DeadLetterMessage") under the same kind of id, which sorts in failure order.
 */
import { randomBytes } from 'node:crypto';
import { CONTENT_DEAD_LETTER, DeadLetterMessage, type DeadLetterMessageProps } from '../contracts/index.js';
import { encodeStorageFile, StorageFileCorruptError, type StoredMessage } from './storage-file.js';

export interface DeadLetterInfo {
  readonly id: string;
  readonly sizeBytes: number;
  readonly failedAtMs: number;
}

export interface DeadLetterArchive {
  /** The letters in failure order. */
  list(): DeadLetterInfo[] | Promise<DeadLetterInfo[]>;
  /** One letter; DeadLetterNotFoundError when there is none with that id. */
  read(id: string): Promise<DeadLetterMessage>;
  /** Deletes one letter (after a replay, or with its run). */
  remove(id: string): void | Promise<void>;
}

/** `dl_<13-digit ms>_<6-digit seq>_<8 hex>.pb.zst`. */
export const DEAD_LETTER_ID = /^dl_(\d{13})_(\d{6})_[0-9a-f]{8}\.pb\.zst$/;

/** A fresh id; `seq` orders letters of one writer within a millisecond, the random part keeps writers apart. */
export function newDeadLetterId(seq: number): string {
  return `dl_${String(Date.now()).padStart(13, '0')}_${String(seq % 1_000_000).padStart(6, '0')}_${randomBytes(4).toString('hex')}.pb.zst`;
}

/** When the letter with this id was written (ms), or undefined for a name that is no dead letter. */
export function failedAtOf(id: string): number | undefined {
  const m = DEAD_LETTER_ID.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** The bytes of one dead-letter file. */
export function encodeDeadLetter(message: DeadLetterMessageProps): Uint8Array {
  const data = DeadLetterMessage.encode(message).finish();
  return encodeStorageFile(
    { contentType: CONTENT_DEAD_LETTER, simulationRunId: message.metadata?.simulationRunId ?? '' },
    [data],
  ).bytes;
}

/** The letter of a dead-letter file's first message (`where` names the file in errors). */
export function decodeDeadLetter(first: StoredMessage | undefined, where: string): DeadLetterMessage {
  if (!first) throw new StorageFileCorruptError(where, 0, 'no DeadLetterMessage');
  try {
    return DeadLetterMessage.decode(first.data);
  } catch (err) {
    throw new StorageFileCorruptError(where, first.offset, `undecodable DeadLetterMessage (${(err as Error).message})`);
  }
}
