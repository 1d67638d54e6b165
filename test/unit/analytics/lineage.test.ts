import { describe, expect, it } from 'vitest';
import { Lineage } from '../../../src/pipeline/analytics/lineage.js';
import { generationPlugin } from '../../../src/pipeline/analytics/plugins/generation.js';
import { newVitals } from '../../../src/pipeline/analytics/organism-vitals.js';
import type { AnalyticsSample } from '../../../src/pipeline/analytics/metric-plugin.js';

describe('lineage and generation depth', () => {
  it('counts births from the initial organisms; unknown parents give unknown children; the dead are dropped', () => {
    const l = new Lineage();
    expect(l.born(1, null)).toBe(0);
    expect(l.born(2, 1)).toBe(1);
    expect(l.born(3, 2)).toBe(2);
    expect(l.born(4, 99)).toBe(-1); // parent never seen (a resumed run)
    expect(l.born(5, 4)).toBe(-1);
    l.died(1);
    expect(l.of(1)).toBe(-1);
    expect(l.of(3)).toBe(2);
    expect(l.size).toBe(2);
  });

  it('the generation plugin: mean, min, max of the known, and how many are unknown', () => {
    const org = (id: number, generation: number, isDead = false) => ({ ...newVitals(id), generation, isDead });
    const s: AnalyticsSample = {
      runId: 'r',
      tick: 10,
      samplingInterval: 1,
      worldShape: [10, 10],
      span: 1,
      events: { born: [], died: [] },
      organisms: [org(1, 0), org(2, 3), org(3, 5), org(4, -1), org(5, 9, true)],
      alive: 4,
      totalOrganismsCreated: 5,
      cells: undefined,
    };
    const rows: unknown[][] = [];
    generationPlugin.measure(s, (r) => rows.push([...r]));
    expect(rows).toEqual([[8 / 3, 0, 5, 1]]);
  });
});
