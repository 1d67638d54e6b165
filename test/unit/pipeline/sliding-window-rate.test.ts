import { describe, expect, it } from 'vitest';
import { SlidingWindowRate } from '../../../src/pipeline/api/sliding-window-rate.js';

describe('SlidingWindowRate', () => {
  it('averages events over the window and forgets old seconds', () => {
    let now = 1_000_000;
    const rate = new SlidingWindowRate(5, () => now);
    rate.record(10);
    now += 1000;
    rate.record(15);
    expect(rate.perSecond()).toBe(5);
    now += 10_000;
    expect(rate.perSecond()).toBe(0);
    rate.record(5);
    expect(rate.perSecond()).toBe(1);
  });
});
