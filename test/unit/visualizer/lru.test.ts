import { describe, expect, it } from 'vitest';
import { Lru } from '../../../src/visualizer/lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now newer than b
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c')]).toEqual([1, 3]);
  });

  it('evicts by weight when given a size bound, keeping the newest entry even when it alone is too heavy', () => {
    const lru = new Lru<string, { size: number }>(100, { weigh: (v) => v.size, maxWeight: 10 });
    lru.set('a', { size: 4 });
    lru.set('b', { size: 4 });
    expect(lru.weight).toBe(8);
    lru.set('c', { size: 4 }); // 12 > 10: a goes
    expect(lru.get('a')).toBeUndefined();
    expect(lru.weight).toBe(8);
    lru.set('big', { size: 50 });
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('c')).toBeUndefined();
    expect(lru.get('big')).toEqual({ size: 50 });
    expect(lru.weight).toBe(50);
    lru.set('big', { size: 2 }); // replacing an entry replaces its weight
    expect(lru.weight).toBe(2);
    lru.delete('big');
    expect(lru.weight).toBe(0);
  });
});
