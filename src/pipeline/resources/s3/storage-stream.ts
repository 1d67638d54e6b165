/**
 * Reads the storage file format (see ../storage-file.ts) from a byte stream instead of a local path: an
 * object body streamed from S3 is decompressed and split into its length-delimited messages as it arrives,
 * so memory stays near one message. Same checks and errors as the filesystem reader.
 */
import type { Readable } from 'node:stream';
import { DecompressStream } from 'zstd-napi';
import { SUPPORTED_FORMAT_VERSIONS, StorageFileHeader } from '../../contracts/index.js';
import { holdsPlanedColumns, unplaneChunkColumns } from '../chunk-column-planes.js';
import { readVarint } from '../../contracts/framing.js';
import { StorageFileCorruptError, UnsupportedFormatVersionError, type StoredMessage } from '../storage-file.js';

export async function* readStorageStream(
  body: Readable,
  displayName: string,
  expectedContentType?: string,
  onHeader?: (h: StorageFileHeader) => void,
): AsyncGenerator<StoredMessage> {
  const inflate = new DecompressStream();
  let compressedRead = 0;
  body.on('data', (b: Buffer) => (compressedRead += b.length));
  body.on('error', (err) => inflate.destroy(err));
  body.pipe(inflate);
  const corrupt = (offset: number, problem: string): StorageFileCorruptError =>
    new StorageFileCorruptError(displayName, offset, problem);

  let buf: Uint8Array = new Uint8Array(0);
  let bufStart = 0; // stream offset of buf[0]
  let pos = 0;
  let ended = false;
  const it = inflate[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await it.next();
    } catch (err) {
      const code = (err as { code?: string; name?: string }).code ?? '';
      if (code.startsWith('E') && code !== 'ERR_ZSTD') throw err; // network errors stay network errors
      throw corrupt(
        bufStart + buf.length,
        `zstd: ${(err as Error).message} (after ${compressedRead} compressed bytes)`,
      );
    }
    if (next.done) {
      ended = true;
      return false;
    }
    const rest = buf.length - pos;
    const merged = new Uint8Array(rest + next.value.length);
    merged.set(buf.subarray(pos), 0);
    merged.set(next.value, rest);
    bufStart += pos;
    buf = merged;
    pos = 0;
    return true;
  };

  let header: StorageFileHeader | undefined;
  let index = 0;
  let planed = false;
  try {
    for (;;) {
      let v: [number, number] | undefined;
      for (;;) {
        try {
          v = readVarint(buf, pos);
        } catch {
          throw corrupt(bufStart + pos, 'malformed length prefix');
        }
        if (v) break;
        if (!(await more())) {
          if (pos !== buf.length) throw corrupt(bufStart + pos, 'file ends inside a length prefix');
          break;
        }
      }
      if (!v) break;
      const [len, afterPrefix] = v;
      const prefixLen = afterPrefix - pos; // `more()` moves the buffer, so positions are recomputed from pos
      if (len > 1 << 30) throw corrupt(bufStart + pos, `message length ${len} is implausible`);
      while (buf.length < pos + prefixLen + len) {
        if (!(await more()))
          throw corrupt(
            bufStart + pos,
            `message of ${len} bytes is cut off after ${buf.length - pos - prefixLen} bytes`,
          );
      }
      const start = pos + prefixLen;
      const offset = bufStart + pos;
      const data = buf.subarray(start, start + len);
      pos = start + len;
      if (!header) {
        try {
          header = StorageFileHeader.decode(data);
        } catch (err) {
          throw corrupt(offset, `unreadable file header (${(err as Error).message})`);
        }
        if (!SUPPORTED_FORMAT_VERSIONS.includes(header.formatVersion))
          throw new UnsupportedFormatVersionError(displayName, header.formatVersion);
        if (expectedContentType !== undefined && header.contentType !== expectedContentType)
          throw corrupt(offset, `holds '${header.contentType}' messages, expected '${expectedContentType}'`);
        onHeader?.(header);
        planed = holdsPlanedColumns(header);
        continue;
      }
      if (index >= header.messageCount)
        throw corrupt(offset, `more messages than the ${header.messageCount} the header announces`);
      if (planed) {
        try {
          unplaneChunkColumns(data);
        } catch (err) {
          throw corrupt(offset, `undecodable chunk (${(err as Error).message})`);
        }
      }
      yield { index, offset, data };
      index++;
    }
    if (!header) throw corrupt(0, 'the file is empty (no header)');
    if (index !== header.messageCount)
      throw corrupt(bufStart + pos, `the header announces ${header.messageCount} messages but the file holds ${index}`);
  } finally {
    body.destroy();
    inflate.destroy();
  }
}
