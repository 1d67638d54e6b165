import { describe, expect, it } from 'vitest';
import { LabelMatcher } from '../../../src/runtime/labels/label-matcher.js';
import { OrganismRandom } from '../../../src/runtime/rng/organism-random.js';
import { World } from '../../../src/runtime/world.js';

const LABEL = (v: number, marker = 0): number => (marker << 28) | (4 << 20) | v;

function setup(spread = 0): { world: World; m: LabelMatcher; rnd: OrganismRandom } {
  const world = new World([64, 64], true);
  const m = new LabelMatcher(world, { tolerance: 2, hammingWeight: 50, foreignPenalty: 100, selectionSpread: spread });
  const rnd = new OrganismRandom(1);
  rnd.beginTick(() => 12345n);
  return { world, m, rnd };
}

describe('fuzzy label matching', () => {
  it('an own exact match wins over a nearer foreign one', () => {
    const { world, m, rnd } = setup();
    world.setCell(world.indexOf([30, 0]), LABEL(100), 1);
    world.setCell(world.indexOf([1, 0]), LABEL(100), 2);
    expect(m.findTarget(100, 1, [0, 0], 0, rnd)).toBe(world.indexOf([30, 0]));
  });

  it('the nearest own exact match wins (toroidal distance)', () => {
    const { world, m, rnd } = setup();
    world.setCell(world.indexOf([20, 0]), LABEL(7), 1);
    world.setCell(world.indexOf([60, 0]), LABEL(7), 1);
    expect(m.findTarget(7, 1, [0, 0], 0, rnd)).toBe(world.indexOf([60, 0]));
  });

  it('a marked label (a copy under construction) counts as foreign', () => {
    const { world, m, rnd } = setup();
    world.setCell(world.indexOf([2, 0]), LABEL(9, 1), 1);
    world.setCell(world.indexOf([40, 0]), LABEL(9 ^ 1), 1);
    // own Hamming-1 match scores 50 + 24; the marked exact match 0 + 2 + 100
    expect(m.findTarget(9, 1, [0, 0], 0, rnd)).toBe(world.indexOf([40, 0]));
  });

  it('resolves Hamming distance 1 and 2, prefers lower scores, and gives up beyond the tolerance', () => {
    const { world, m, rnd } = setup();
    world.setCell(world.indexOf([5, 0]), LABEL(0b1011), 1); // distance 2 from 0b1000... h=2
    world.setCell(world.indexOf([9, 0]), LABEL(0b1001), 1); // h=1
    expect(m.findTarget(0b1000, 1, [0, 0], 0, rnd)).toBe(world.indexOf([9, 0]));
    expect(m.findTarget(0b1111_0000, 1, [0, 0], 0, rnd)).toBe(-1);
  });

  it('ties go to the lower owner id', () => {
    const { world, m, rnd } = setup();
    world.setCell(world.indexOf([3, 0]), LABEL(50), 5);
    world.setCell(world.indexOf([0, 3]), LABEL(50), 4);
    expect(m.findTarget(50, 9, [0, 0], 0, rnd)).toBe(world.indexOf([0, 3]));
  });

  it('selection spread picks among own exact matches, weighted towards the nearer one', () => {
    const counts = new Map<number, number>();
    for (let tick = 0; tick < 400; tick++) {
      const { world, m } = setup(50);
      const rnd = new OrganismRandom(1);
      rnd.beginTick(() => BigInt(tick) * 7919n);
      world.setCell(world.indexOf([2, 0]), LABEL(77), 1);
      world.setCell(world.indexOf([30, 0]), LABEL(77), 1);
      const r = m.findTarget(77, 1, [0, 0], 0, rnd);
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const near = counts.get(2 * 64) ?? 0;
    const far = counts.get(30 * 64) ?? 0;
    expect(near + far).toBe(400);
    expect(near).toBeGreaterThan(far);
    expect(far).toBeGreaterThan(50);
  });
});
