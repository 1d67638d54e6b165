/**
 * What one chunk of the default world at a mature tick holds, before compression: `npx tsx
 * bench/chunk-composition.ts [TICK]` (default 12,000,000; the world comes from world-recording.ts's cached
 * checkpoint). Prints the bytes of the snapshot's cells and organisms, of the accumulated and incremental deltas'
 * cells and organisms, and what an incremental organism delta spends its bytes on, field by field (wire level).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { writeMatureRun } from './mature-run.js';

/** A varint at `p` (up to ten bytes: negative int32s are sign-extended) and the offset after it. */
function readVarint(b: Uint8Array, p: number): [number, number] {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const x = b[p++]!;
    v += (x & 127) * 2 ** shift;
    if (x < 128) return [v, p];
  }
}

type FieldVisitor = (field: number, wireType: number, tagAt: number, valueStart: number, end: number) => void;

/** Calls `visit` for every field of the message bytes[start, end). */
function eachField(b: Uint8Array, start: number, end: number, visit: FieldVisitor): void {
  let p = start;
  while (p < end) {
    const tagAt = p;
    const [key, afterKey] = readVarint(b, p);
    const wireType = key & 7;
    let valueStart = afterKey;
    let valueEnd: number;
    if (wireType === 0) valueEnd = readVarint(b, afterKey)[1];
    else if (wireType === 2) {
      const [len, afterLen] = readVarint(b, afterKey);
      valueStart = afterLen;
      valueEnd = afterLen + len;
    } else if (wireType === 5) valueEnd = afterKey + 4;
    else if (wireType === 1) valueEnd = afterKey + 8;
    else throw new Error(`wire type ${wireType} at byte ${p}`);
    visit(Math.floor(key / 8), wireType, tagAt, valueStart, valueEnd);
    p = valueEnd;
  }
}

const TICK = Number(process.argv[2] ?? 12_000_000);
const dir = mkdtempSync(join(tmpdir(), 'evochora-chunk-composition-'));
try {
  const run = await writeMatureRun(dir, TICK);
  const storage = new FileSystemStorage('read', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
  const parts = new Map<string, number>();
  const fields = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number): void => void m.set(k, (m.get(k) ?? 0) + n);
  let total = 0;
  let organismDeltas = 0;
  for await (const c of storage.readChunks(run.runId)) {
    const b = c.data;
    total += b.length;
    // TickDataChunk: 5 = snapshot (TickData: 3 organisms, 4 cells), 6 = deltas (TickDelta: 2 type, 3 cells, 6 organisms).
    eachField(b, 0, b.length, (f, _w, tagAt, vs, ve) => {
      if (f === 5)
        eachField(b, vs, ve, (g, _w2, t2, _vs2, ve2) =>
          add(parts, g === 4 ? 'snapshot cells' : g === 3 ? 'snapshot organisms' : 'snapshot, other', ve2 - t2),
        );
      else if (f === 6) {
        let accumulated = false;
        eachField(b, vs, ve, (g, _w2, _t2, vs2) => {
          if (g === 2) accumulated = readVarint(b, vs2)[0] === 2;
        });
        const kind = accumulated ? 'accumulated' : 'incremental';
        eachField(b, vs, ve, (g, _w2, t2, vs2, ve2) => {
          add(parts, g === 3 ? `${kind} cells` : g === 6 ? `${kind} organisms` : `${kind}, other`, ve2 - t2);
          if (accumulated || g !== 6) return;
          organismDeltas++;
          add(fields, 'framing', vs2 - t2);
          eachField(b, vs2, ve2, (h, _w3, t3, vs3, ve3) => {
            if (h !== 3) return add(fields, `delta field ${h}`, ve3 - t3);
            add(fields, 'framing', vs3 - t3);
            eachField(b, vs3, ve3, (k, _w4, t4, _vs4, ve4) => add(fields, `state field ${k}`, ve4 - t4));
          });
        });
      } else add(parts, 'chunk, other', ve - tagAt);
    });
  }
  console.log(`chunk of the default world at tick ${TICK}: ${total} bytes before compression`);
  for (const [k, v] of [...parts].sort((a, b) => b[1] - a[1]))
    console.log(`  ${k.padEnd(24)} ${String(v).padStart(10)} B  ${((v / total) * 100).toFixed(1).padStart(5)} %`);
  console.log(`incremental organism deltas: ${organismDeltas}, bytes per delta by field:`);
  for (const [k, v] of [...fields].sort((a, b) => b[1] - a[1]).slice(0, 14))
    console.log(`  ${k.padEnd(24)} ${(v / organismDeltas).toFixed(2).padStart(8)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
