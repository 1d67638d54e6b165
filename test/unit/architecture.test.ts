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

  it('finds an import around the public face of pipeline, from the areas that must use it', () => {
    const graph: Graph = new Map([
      ['commands/verify.ts', [edge('src/pipeline/verification/verify-run.ts'), edge('src/pipeline/index.ts')]],
      ['src/node/node-daemon.ts', [{ target: 'src/pipeline/service-manager.ts', typeOnly: true, line: 4 }]],
      ['src/visualizer/routes.ts', [edge('src/pipeline/contracts/index.ts')]],
      ['src/pipeline/index.ts', [edge('src/pipeline/service-manager.ts')]],
    ]);
    expect(floorViolations(graph)).toEqual([
      'commands/verify.ts:1 imports src/pipeline/verification/verify-run.ts: commands imports pipeline only through its public face src/pipeline/index.ts',
      'src/node/node-daemon.ts:4 imports src/pipeline/service-manager.ts: node imports pipeline only through its public face src/pipeline/index.ts',
    ]);
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
