/**
 * Writes a MetricTable as one ZSTD-compressed Parquet file (hyparquet-writer: pure JavaScript, compression
 * by our zstd-napi), with key-value metadata saying what the file is: `evochora.run`, `evochora.table`,
 * `evochora.level` (1 = every sampled tick), `evochora.schema_version`, `evochora.writer`.
 */
import { Compressor, decompress } from 'zstd-napi';
import { VERSION } from '../../version.js';
import type { MetricTable } from './metric-table.js';

let compressor: Compressor | undefined;
function zstd(input: Uint8Array): Uint8Array {
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: 3 });
  }
  return compressor.compress(input);
}

export interface ParquetFileFacts {
  readonly runId: string;
  readonly table: string;
  readonly level: number;
  readonly schemaVersion: number;
}

/** The Parquet writer, loaded on the first write (a process that never writes analytics does not load it). */
const parquetWriter = (): Promise<typeof import('hyparquet-writer')> => import('hyparquet-writer');

/**
 * Rows per row group. The node writes its analytics on the thread that also assembles the engine's chunks: a
 * part of 100,000 samples took 0.2–0.5 s in one piece there, long enough to stall the engine (7 % of its time
 * waiting in a default node). Between row groups the write gives the event loop a turn.
 */
export const PARQUET_ROW_GROUP_ROWS = 16_384;

export async function tableToParquet(table: MetricTable, facts: ParquetFileFacts): Promise<Uint8Array> {
  const { ByteWriter, parquetWrite } = await parquetWriter();
  const columnData = table.columns.map((c, i) => {
    const vals = table.values[i]!;
    let nulls = false;
    for (let r = 0; r < vals.length && !nulls; r++) nulls = vals[r] === null;
    // Columns without nulls are REQUIRED (no definition levels to write or read).
    const nullable = nulls;
    if (c.type === 'int') {
      // Numbers, not BigInts: the writer packs INT64 columns whose values fit 32 bits with number arithmetic (the
      // same bytes) and converts only the others; a BigInt per value was a sixth of what the node's main thread
      // allocated.
      const data = new Array<number | null>(vals.length);
      for (let r = 0; r < vals.length; r++) {
        const v = vals[r];
        data[r] = v === null || v === undefined ? null : Math.round(v as number);
      }
      // Ticks and counts move in small steps: delta encoding stores them in a few bits each.
      return { name: c.name, type: 'INT64' as const, nullable, encoding: 'DELTA_BINARY_PACKED' as const, data };
    }
    if (c.type === 'double') return { name: c.name, type: 'DOUBLE' as const, nullable, data: vals };
    return { name: c.name, type: 'STRING' as const, nullable, data: vals };
  });
  const writer = new ByteWriter();
  // A promise from flush() makes the writer wait for it before the next row group.
  (writer as unknown as { flush: () => Promise<void> }).flush = () =>
    new Promise<void>((resolve) => setImmediate(resolve));
  await parquetWrite({
    writer,
    columnData,
    codec: 'ZSTD',
    compressors: { ZSTD: zstd },
    rowGroupSize: PARQUET_ROW_GROUP_ROWS,
    createdBy: `evochora ${VERSION}`,
    kvMetadata: [
      { key: 'evochora.run', value: facts.runId },
      { key: 'evochora.table', value: facts.table },
      { key: 'evochora.level', value: String(facts.level) },
      { key: 'evochora.schema_version', value: String(facts.schemaVersion) },
      { key: 'evochora.writer', value: `evochora ${VERSION}` },
    ],
  });
  return new Uint8Array(writer.getBuffer());
}

/** Rows of a Parquet file we wrote (BIGINT columns as bigint), for the few places the node reads its own. */
export async function readParquetRows(bytes: Uint8Array, columns: string[]): Promise<Array<Record<string, unknown>>> {
  const { parquetReadObjects } = await import('hyparquet');
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({
    file,
    columns,
    compressors: { ZSTD: (input: Uint8Array) => decompress(input) },
  })) as Array<Record<string, unknown>>;
}
