import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { compileFileOrThrow } from '../../../src/compiler/index.js';

const FILE = resolve(__dirname, '../../../assembly/replicator.evo');

describe('assembly/replicator.evo', () => {
  it('compiles to one row whose TAIL define equals the genome length minus 1', () => {
    const a = compileFileOrThrow(FILE, { world: { shape: [512, 512], toroidal: true } });
    const ys = new Set(a.machineCodeLayout.map((c) => c.coord[1]));
    expect(ys.size).toBe(1);
    const xs = a.machineCodeLayout.map((c) => c.coord[0]!);
    const length = Math.max(...xs) - Math.min(...xs) + 1;
    const tail = Number(/\.DEFINE\s+TAIL\s+DATA:(\d+)/.exec(readFileSync(FILE, 'utf8'))![1]);
    expect(tail).toBe(length - 1);
  });
});
