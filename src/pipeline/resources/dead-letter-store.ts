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
import { join } from 'node:path';
import { EvochoraError } from '../../errors.js';
import { CONTENT_DEAD_LETTER, type DeadLetterMessage, type DeadLetterMessageProps } from '../contracts/index.js';
import { realFsOps, tempPathFor, writeFileAtomic, type FsOps } from './atomic-file.js';
import { readWholeStorageFile } from './storage-file.js';
import {
  DEAD_LETTER_ID as NAME,
  decodeDeadLetter,
  encodeDeadLetter,
  newDeadLetterId,
  type DeadLetterArchive,
  type DeadLetterInfo,
} from './dead-letter-archive.js';
import { PipelineErrorCode } from '../error-codes.js';

export interface DeadLetterEntry extends DeadLetterInfo {
  readonly path: string;
}

export class DeadLetterNotFoundError extends EvochoraError {
  /** `dir`: where the letter was looked for (a directory, or `s3://bucket/prefix`). */
  constructor(id: string, dir: string) {
    super(PipelineErrorCode.DEAD_LETTER_NOT_FOUND, `No dead letter '${id}' in ${dir}.`, {
      actions: ['List them with `evochora dlq list`.'],
      data: { id, dir },
    });
  }
}

export class DeadLetterStore implements DeadLetterArchive {
  private seq = 0;

  constructor(
    readonly directory: string,
    private readonly ops: FsOps = realFsOps,
  ) {}

  private nextName(): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return newDeadLetterId(this.seq);
  }

  /** Writes one dead letter durably; returns its id. */
  async add(message: DeadLetterMessageProps): Promise<string> {
    const name = this.nextName();
    await writeFileAtomic(join(this.directory, name), encodeDeadLetter(message), this.ops);
    return name;
  }

  /** Synchronous variant (used by `offer`). */
  addSync(message: DeadLetterMessageProps): string {
    const name = this.nextName();
    const bytes = encodeDeadLetter(message);
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
    return decodeDeadLetter(messages[0], path);
  }

  remove(id: string): void {
    if (!NAME.test(id)) throw new DeadLetterNotFoundError(id, this.directory);
    unlinkSync(join(this.directory, id));
  }
}
