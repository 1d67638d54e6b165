import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeStorageFile,
  readStorageFile,
  readWholeStorageFile,
} from '../../../src/pipeline/resources/storage-file.js';

const dir = mkdtempSync(join(tmpdir(), 'evo-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function noise(n: number, seed: number): Uint8Array {
  const m = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    m[i] = x >>> 24;
  }
  return m;
}

describe('storage file reader', () => {
  it('reads messages that span many decompressed pieces, and length prefixes split between pieces', async () => {
    // Incompressible data: the decompressor yields ~128 KB pieces, so these sizes put message and prefix
    // boundaries at many different places relative to piece boundaries.
    const sizes = [3_000_000, 1, 0, 131_071, 131_072, 131_073, 127, 128, 16_383, 16_384, 262_145, 5, 1_000_003];
    const msgs = sizes.map((n, i) => noise(n, i + 1));
    const file = join(dir, 'many.pb.zst');
    writeFileSync(file, encodeStorageFile({ contentType: 'X', simulationRunId: 'run' }, msgs).bytes);
    let i = 0;
    let offset = -1;
    for await (const m of readStorageFile(file, 'many', 'X')) {
      expect(m.index).toBe(i);
      expect(m.offset).toBeGreaterThan(offset);
      offset = m.offset;
      expect(m.data.length).toBe(sizes[i]);
      expect(Buffer.compare(Buffer.from(m.data), Buffer.from(msgs[i]!))).toBe(0);
      i++;
    }
    expect(i).toBe(sizes.length);
    const whole = await readWholeStorageFile(file, 'many');
    expect(whole.header.messageCount).toBe(sizes.length);
    expect(whole.messages.map((m) => m.data.length)).toEqual(sizes);
  });

  it('reads a large message in time linear in its size', async () => {
    const big = noise(48_000_000, 7);
    const file = join(dir, 'big.pb.zst');
    writeFileSync(file, encodeStorageFile({ contentType: 'X', simulationRunId: 'run' }, [big]).bytes);
    const t0 = performance.now();
    let n = 0;
    for await (const m of readStorageFile(file, 'big')) n += m.data.length;
    expect(n).toBe(big.length);
    // Quadratic joining (every ~128 KB piece copying the partial message again) copies ~9 GB here.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});
