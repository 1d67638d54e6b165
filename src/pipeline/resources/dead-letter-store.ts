/**
 * A directory of dead letters: one durable file per DeadLetterMessage (storage-file format, content type
 * "DeadLetterMessage"), named `dl_<13-digit ms>_<seq>_<random>.pb.zst` so a listing is in failure order.
 * It survives restarts; `evochora dlq list|replay` read it directly.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EvochoraError } from '../../errors.js';
import { CONTENT_DEAD_LETTER, DeadLetterMessage, type DeadLetterMessageProps } from '../contracts/index.js';
import { realFsOps, tempPathFor, writeFileAtomic, type FsOps } from './atomic-file.js';
import { encodeStorageFile, readWholeStorageFile, StorageFileCorruptError } from './storage-file.js';
import { PipelineErrorCode } from '../error-codes.js';

const NAME = /^dl_(\d{13})_(\d{6})_[0-9a-f]{8}\.pb\.zst$/;

export interface DeadLetterEntry {
  readonly id: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly failedAtMs: number;
}

export class DeadLetterNotFoundError extends EvochoraError {
  constructor(id: string, dir: string) {
    super(PipelineErrorCode.DEAD_LETTER_NOT_FOUND, `No dead letter '${id}' in ${dir}.`, {
      actions: ['List them with `evochora dlq list`.'],
      data: { id, dir },
    });
  }
}

export class DeadLetterStore {
  private seq = 0;

  constructor(
    readonly directory: string,
    private readonly ops: FsOps = realFsOps,
  ) {}

  private nextName(): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return `dl_${String(Date.now()).padStart(13, '0')}_${String(this.seq).padStart(6, '0')}_${randomBytes(4).toString('hex')}.pb.zst`;
  }

  private encode(message: DeadLetterMessageProps): Uint8Array {
    const data = DeadLetterMessage.encode(message).finish();
    return encodeStorageFile(
      { contentType: CONTENT_DEAD_LETTER, simulationRunId: message.metadata?.simulationRunId ?? '' },
      [data],
    ).bytes;
  }

  /** Writes one dead letter durably; returns its id. */
  async add(message: DeadLetterMessageProps): Promise<string> {
    const name = this.nextName();
    await writeFileAtomic(join(this.directory, name), this.encode(message), this.ops);
    return name;
  }

  /** Synchronous variant (used by `offer`). */
  addSync(message: DeadLetterMessageProps): string {
    const name = this.nextName();
    const bytes = this.encode(message);
    mkdirSync(this.directory, { recursive: true });
    const finalPath = join(this.directory, name);
    const tmp = tempPathFor(finalPath);
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, finalPath);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // ignore
      }
      throw err;
    }
    const dfd = openSync(this.directory, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    return name;
  }

  list(): DeadLetterEntry[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((n) => NAME.test(n))
      .sort()
      .map((id) => {
        const path = join(this.directory, id);
        return { id, path, sizeBytes: statSync(path).size, failedAtMs: Number(NAME.exec(id)![1]) };
      });
  }

  count(): number {
    return this.list().length;
  }

  async read(id: string): Promise<DeadLetterMessage> {
    if (!NAME.test(id)) throw new DeadLetterNotFoundError(id, this.directory);
    const path = join(this.directory, id);
    if (!existsSync(path)) throw new DeadLetterNotFoundError(id, this.directory);
    const { messages } = await readWholeStorageFile(path, path, CONTENT_DEAD_LETTER);
    const m = messages[0];
    if (!m) throw new StorageFileCorruptError(path, 0, 'no DeadLetterMessage');
    try {
      return DeadLetterMessage.decode(m.data);
    } catch (err) {
      throw new StorageFileCorruptError(path, m.offset, `undecodable DeadLetterMessage (${(err as Error).message})`);
    }
  }

  remove(id: string): void {
    if (!NAME.test(id)) throw new DeadLetterNotFoundError(id, this.directory);
    unlinkSync(join(this.directory, id));
  }
}
