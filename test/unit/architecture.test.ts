import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script (npm run check:architecture), no type declarations
import { checkArchitecture, floorViolations, importCycles } from '../../scripts/check-architecture.mjs';

type Graph = Map<string, Array<{ target: string; typeOnly: boolean; line: number }>>;
const edge = (target: string) => ({ target, typeOnly: false, line: 1 });

describe('architecture (scripts/check-architecture.mjs)', () => {
  it('has no import circles and no arrow up the floors', () => {
    const { files, cycles, violations } = checkArchitecture(join(__dirname, '..', '..'));
    expect(files).toBeGreaterThan(150);
    expect(cycles, 'import circles (run `npm run check:architecture`)').toEqual([]);
    expect(violations, 'arrows up the floors (run `npm run check:architecture`)').toEqual([]);
  });

  it('finds a circle and an arrow up', () => {
    const graph: Graph = new Map([
      ['src/pipeline/a.ts', [edge('src/pipeline/b.ts')]],
      ['src/pipeline/b.ts', [{ target: 'src/pipeline/a.ts', typeOnly: true, line: 3 }]],
      ['src/runtime/c.ts', [edge('src/node/d.ts')]],
      ['src/node/d.ts', []],
    ]);
    expect(importCycles(graph)).toEqual([['src/pipeline/a.ts', 'src/pipeline/b.ts']]);
    expect(floorViolations(graph)).toEqual([
      'src/runtime/c.ts:1 imports src/node/d.ts: runtime (floor 7) may not import node (floor 2)',
    ]);
  });
});
