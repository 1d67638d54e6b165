import { describe, expect, it } from 'vitest';
import { newVitals, type OrganismVitals } from '../../../src/pipeline/analytics/organism-vitals.js';
import { packMolecule } from '../../../src/isa/molecule.js';
import { opcodeByName } from '../../../src/isa/opcodes.js';
import type {
  AnalyticsSample,
  CellCensus,
  MetricPlugin,
  MetricRow,
} from '../../../src/pipeline/analytics/metric-plugin.js';
import { METRIC_PLUGINS, metricPlugin, selectPlugins } from '../../../src/pipeline/analytics/plugin-catalogue.js';
import { populationPlugin } from '../../../src/pipeline/analytics/plugins/population.js';
import { vitalStatisticsPlugin } from '../../../src/pipeline/analytics/plugins/vital-statistics.js';
import { agePlugin } from '../../../src/pipeline/analytics/plugins/age.js';
import { energyPlugin } from '../../../src/pipeline/analytics/plugins/energy.js';
import { genomeDiversityPlugin } from '../../../src/pipeline/analytics/plugins/genome-diversity.js';
import { instructionUsagePlugin } from '../../../src/pipeline/analytics/plugins/instruction-usage.js';
import { environmentPlugin } from '../../../src/pipeline/analytics/plugins/environment.js';
import { spatialDensityPlugin } from '../../../src/pipeline/analytics/plugins/spatial-density.js';
import { birthsPlugin } from '../../../src/pipeline/analytics/plugins/births.js';
import { deathsPlugin } from '../../../src/pipeline/analytics/plugins/deaths.js';

/** A hand-made organism: alive unless `dead`; born at `birthTick` to `parentId` (-1: placed by the config). */
function org(id: number, o: Partial<OrganismVitals> = {}): OrganismVitals {
  return {
    ...newVitals(id),
    parentId: -1,
    birthTick: 0,
    programId: 'prog',
    energy: 100,
    entropyRegister: 0,
    genomeHash: 'g1',
    lastOpcodeId: -1,
    ip: { components: [0, 0] },
    ...o,
  };
}

const census: CellCensus = { cellsByType: [5, 3, 2, 0, 0, 0, 0], energyInWorld: 700, occupiedCells: 12, ownedCells: 6 };

/** Sample T shows the world after step T − 1: children born then have birthTick T − 1; placed organisms T. */
function bornAt(o: OrganismVitals, tick: number): boolean {
  return o.parentId < 0 ? o.birthTick === tick : o.birthTick === tick - 1;
}

function sample(tick: number, organisms: OrganismVitals[], extra: Partial<AnalyticsSample> = {}): AnalyticsSample {
  return {
    runId: 'r',
    tick,
    samplingInterval: 1,
    worldShape: [100, 100],
    span: 1,
    events: { born: organisms.filter((o) => bornAt(o, tick)), died: organisms.filter((o) => o.isDead) },
    organisms,
    alive: organisms.filter((o) => !o.isDead).length,
    totalOrganismsCreated: 42,
    cells: census,
    ...extra,
  };
}

function rows(p: MetricPlugin, s: AnalyticsSample): MetricRow[] {
  const out: MetricRow[] = [];
  p.measure(s, (r) => out.push(r));
  for (const r of out) expect(r.length, `${p.id} row length`).toBe(p.columns.length);
  return out;
}

function one(p: MetricPlugin, s: AnalyticsSample): Record<string, unknown> {
  const r = rows(p, s);
  expect(r).toHaveLength(1);
  return Object.fromEntries(p.columns.map((c, i) => [c.name, r[0]![i]]));
}

describe('metric plugins', () => {
  // Sample 100 shows the world after step 99: children born in that step have birthTick 99.
  const population = [
    org(1, { birthTick: 0 }),
    org(2, { birthTick: 99, parentId: 1 }),
    org(3, { birthTick: 99, parentId: 1, genomeHash: 'g2' }),
    org(4, { birthTick: 40, parentId: 1, isDead: true, deathTick: 99, deathCause: 'energy' }),
    org(5, { birthTick: 98, parentId: 1 }),
  ];

  it('population: alive, born in the last step, died, created so far', () => {
    expect(one(populationPlugin, sample(100, population))).toEqual({ alive: 4, born: 2, died: 1, total_created: 42 });
    // Between measured samples the events of every step count (the sampler gathers them).
    const since = sample(100, population, { span: 50, events: { born: population.slice(1, 4), died: [] } });
    expect(one(populationPlugin, since)).toMatchObject({ born: 3, died: 0 });
  });

  it('vital statistics: per-capita rates and lifespan at death (null when none died)', () => {
    const v = one(vitalStatisticsPlugin, sample(100, population));
    expect(v.birth_rate).toBeCloseTo(2 / 4);
    expect(v.death_rate).toBeCloseTo(1 / 5);
    // Rates are per tick: over a span of 10 ticks they are a tenth.
    expect(one(vitalStatisticsPlugin, sample(100, population, { span: 10 })).birth_rate).toBeCloseTo(2 / 4 / 10);
    expect(v.lifespan_mean).toBe(59);
    expect(v.lifespan_max).toBe(59);
    const none = one(vitalStatisticsPlugin, sample(100, [org(1)]));
    expect(none.lifespan_mean).toBeNull();
  });

  it('age: distribution of the living', () => {
    const a = one(agePlugin, sample(100, population));
    // ages of 1, 2, 3, 5: 100, 1, 1, 2
    expect(a.age_min).toBe(1);
    expect(a.age_max).toBe(100);
    expect(a.age_p50).toBe(1.5);
    expect(a.age_mean).toBeCloseTo(104 / 4);
    expect(a.age_total).toBeCloseTo(104);
  });

  it('energy and entropy distributions', () => {
    const s = sample(10, [
      org(1, { energy: 10, entropyRegister: 1 }),
      org(2, { energy: 30, entropyRegister: 3 }),
      org(3, { energy: 500, isDead: true }),
    ]);
    const e = one(energyPlugin, s);
    expect([e.energy_mean, e.energy_min, e.energy_max, e.energy_total]).toEqual([20, 10, 30, 40]);
    expect([e.entropy_mean, e.entropy_p50]).toEqual([2, 2]);
  });

  it('genome diversity: distinct genomes, Shannon and Simpson, the dominant genome', () => {
    const s = sample(10, [
      org(1, { genomeHash: 'a' }),
      org(2, { genomeHash: 'a' }),
      org(3, { genomeHash: 'b' }),
      org(4, { genomeHash: 'c' }),
    ]);
    const g = one(genomeDiversityPlugin, s);
    expect(g.genomes).toBe(3);
    expect(g.shannon).toBeCloseTo(-(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)));
    expect(g.simpson).toBeCloseTo(1 - (0.25 + 0.0625 + 0.0625));
    expect([g.dominant_genome, g.dominant_count, g.dominant_share]).toEqual(['a', 2, 0.5]);
    expect(one(genomeDiversityPlugin, sample(10, [org(1)])).shannon).toBe(0);
  });

  it('instruction usage: executed instructions per opcode family', () => {
    const add = opcodeByName('ADDR')!.opcode;
    const jmp = opcodeByName('JMPI')!.opcode;
    const s = sample(10, [
      org(1, { lastOpcodeId: add }),
      org(2, { lastOpcodeId: add, instructionFailed: true }),
      org(3, { lastOpcodeId: jmp }),
      org(4, { lastOpcodeId: -1 }),
    ]);
    const u = one(instructionUsagePlugin, s);
    expect([u.executed, u.failed, u.arithmetic, u.control]).toEqual([3, 1, 2, 1]);
  });

  it('environment: the census as columns', () => {
    const e = one(environmentPlugin, sample(10, []));
    expect([e.occupied_cells, e.owned_cells, e.energy_in_world, e.code_cells, e.data_cells, e.energy_cells]).toEqual([
      12, 6, 700, 5, 3, 2,
    ]);
  });

  it('spatial density: world fractions and organisms per region of a 16 × 16 grid', () => {
    const s = sample(10, [
      org(1, { ip: { components: [0, 0] } }),
      org(2, { ip: { components: [5, 5] } }),
      org(3, { ip: { components: [99, 99] } }),
    ]);
    const d = one(spatialDensityPlugin, s);
    expect(d.occupied_fraction).toBeCloseTo(12 / 10_000);
    expect(d.owned_fraction).toBeCloseTo(6 / 10_000);
    expect([d.regions_with_organisms, d.max_per_region, d.mean_per_occupied_region]).toEqual([2, 2, 1.5]);
  });

  it('births and deaths: one row per event', () => {
    const b = rows(birthsPlugin, sample(100, population));
    expect(b.map((r) => r[0])).toEqual([2, 3]);
    expect(b[0]!.slice(1, 4)).toEqual([1, 99, 'g1']);
    const roots = rows(birthsPlugin, sample(0, [org(1, { initialPosition: { components: [3, 4] } })]));
    expect(roots[0]!.slice(0, 2)).toEqual([1, null]);
    expect(roots[0]![5]).toBe('3,4');
    const d = rows(deathsPlugin, sample(100, population));
    expect(d).toEqual([[4, 99, 40, 59, 'energy', 'g1']]);
  });

  it('the catalogue: unique ids and column names, unknown names are coded errors', () => {
    const ids = METRIC_PLUGINS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of METRIC_PLUGINS) {
      const names = p.columns.map((c) => c.name);
      expect(new Set(names).size, p.id).toBe(names.length);
      expect(names, p.id).not.toContain('tick');
      for (const n of names) expect(n, p.id).toMatch(/^[a-z][a-z0-9_]*$/);
    }
    expect(selectPlugins(['deaths', 'population']).map((p) => p.id)).toEqual(['population', 'deaths']);
    expect(() => metricPlugin('nope')).toThrow(expect.objectContaining({ code: 'ANALYTICS_PLUGIN_UNKNOWN' }));
    expect(packMolecule(2, 5)).toBeGreaterThan(0);
  });
});
