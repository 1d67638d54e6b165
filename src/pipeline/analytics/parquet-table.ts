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

export async function tableToParquet(table: MetricTable, facts: ParquetFileFacts): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await parquetWriter();
  const columnData = table.columns.map((c, i) => {
    const vals = table.values[i]!;
    if (c.type === 'int')
      return {
        name: c.name,
        type: 'INT64' as const,
        data: vals.map((v) => (v === null ? null : BigInt(Math.round(v as number)))),
      };
    if (c.type === 'double') return { name: c.name, type: 'DOUBLE' as const, data: vals };
    return { name: c.name, type: 'STRING' as const, data: vals };
  });
  const buf = parquetWriteBuffer({
    columnData,
    codec: 'ZSTD',
    compressors: { ZSTD: zstd },
    rowGroupSize: 1_000_000,
    createdBy: `evochora ${VERSION}`,
    kvMetadata: [
      { key: 'evochora.run', value: facts.runId },
      { key: 'evochora.table', value: facts.table },
      { key: 'evochora.level', value: String(facts.level) },
      { key: 'evochora.schema_version', value: String(facts.schemaVersion) },
      { key: 'evochora.writer', value: `evochora ${VERSION}` },
    ],
  });
  return new Uint8Array(buf);
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
