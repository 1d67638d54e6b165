import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../src/runtime/simulation.js';
import { Organism } from '../../../src/runtime/organism.js';
import { SeedEnergyPlugin } from '../../../src/runtime/plugins/seed-energy.js';
import { SolarRadiationPlugin } from '../../../src/runtime/plugins/solar-radiation.js';
import { GeyserPlugin } from '../../../src/runtime/plugins/geyser.js';
import { DecayOnDeathPlugin } from '../../../src/runtime/plugins/decay-on-death.js';
import { LabelRewritePlugin } from '../../../src/runtime/plugins/label-rewrite.js';
import { GeneSubstitutionPlugin } from '../../../src/runtime/plugins/mutation/gene-substitution.js';
import { GeneInsertionPlugin } from '../../../src/runtime/plugins/mutation/gene-insertion.js';
import { GeneDeletionPlugin } from '../../../src/runtime/plugins/mutation/gene-deletion.js';
import { GeneDuplicationPlugin } from '../../../src/runtime/plugins/mutation/gene-duplication.js';
import { createPlugins } from '../../../src/runtime/plugins/registry.js';

const ENERGY_TYPE = 2;
const typeAt = (sim: Simulation, i: number): number => (sim.world.cells[i]! >>> 20) & 0xff;

function countType(sim: Simulation, type: number): number {
  let n = 0;
  for (let i = 0; i < sim.world.size; i++) if (sim.world.cells[i] !== 0 && typeAt(sim, i) === type) n++;
  return n;
}

/** A small body: a row of labels, label refs and code with gaps, owned by organism 1. */
function bodySim(): { sim: Simulation; org: Organism } {
  const sim = new Simulation({ shape: [64, 64], seed: 3n, plugins: [] });
  const org = sim.createOrganism([10, 10], 1000);
  const w = sim.world;
  const row = [
    (4 << 20) | 0x123,
    20500,
    (5 << 20) | 0x123,
    4129,
    (6 << 20) | 1,
    (1 << 20) | 40,
    (4 << 20) | 0x456,
    28944,
    (6 << 20) | 2,
  ];
  row.forEach((m, k) => w.setCell(w.indexOf([10 + k, 10]), m, org.id));
  // a 12-cell empty gap inside the body, then more code
  w.setCell(w.indexOf([10 + 9 + 12, 10]), 20500, org.id);
  w.setCell(w.indexOf([10 + 9 + 13, 10]), (5 << 20) | 0x456, org.id);
  return { sim, org };
}

describe('world plugins', () => {
  it('seed energy fills the configured share of empty cells once', () => {
    const sim = new Simulation({ shape: [100, 100], seed: 1n, plugins: [] });
    const p = new SeedEnergyPlugin({ percentage: 0.01, amount: 1000, amountVariance: 0 });
    p.onTick(sim);
    p.onTick(sim);
    expect(countType(sim, ENERGY_TYPE)).toBe(100);
  });

  it('solar radiation drops energy with the configured probability', () => {
    const sim = new Simulation({ shape: [64, 64], seed: 1n, plugins: [] });
    const p = new SolarRadiationPlugin({ probability: 1, executionsPerTick: 1, amount: 500, safetyRadius: 1 });
    for (let i = 0; i < 50; i++) p.onTick(sim);
    const n = countType(sim, ENERGY_TYPE);
    expect(n).toBeGreaterThan(40);
    expect(n).toBeLessThanOrEqual(50);
  });

  it('geysers mark their sites and erupt every interval', () => {
    const sim = new Simulation({ shape: [64, 64], seed: 1n, plugins: [] });
    const p = new GeyserPlugin({ percentage: 0.002, interval: 10, amount: 700, safetyRadius: 1 });
    p.onTick(sim);
    expect(countType(sim, 3)).toBe(Math.round(0.002 * 4096));
    for (sim.tick = 1; sim.tick <= 100; sim.tick++) p.onTick(sim);
    expect(countType(sim, ENERGY_TYPE)).toBeGreaterThan(0);
  });

  it('decay on death clears the body (or replaces it)', () => {
    const { sim, org } = bodySim();
    new DecayOnDeathPlugin({}).onDeath(sim, org);
    expect(sim.world.ownedCellsSorted(org.id).every((i) => sim.world.cells[i] === 0)).toBe(true);
  });

  it('label rewrite XORs labels and label refs with one mask (distances preserved)', () => {
    const { sim, org } = bodySim();
    const before = sim.world.cells[sim.world.indexOf([10, 10])]! & 0xfffff;
    const refBefore = sim.world.cells[sim.world.indexOf([12, 10])]! & 0xfffff;
    new LabelRewritePlugin().onBirth(sim, org);
    const after = sim.world.cells[sim.world.indexOf([10, 10])]! & 0xfffff;
    const refAfter = sim.world.cells[sim.world.indexOf([12, 10])]! & 0xfffff;
    expect(after).not.toBe(before);
    expect(after ^ before).toBe(refAfter ^ refBefore);
    expect(sim.world.labels.get(after)).toEqual([sim.world.indexOf([10, 10])]);
  });

  it('the four mutation operators change the genome when they fire (rate 1)', () => {
    const snapshot = (sim: Simulation): string => Array.from(sim.world.cells).join(',');
    for (const make of [
      () => new GeneSubstitutionPlugin({ rate: 1 }),
      () => new GeneInsertionPlugin({ rate: 1 }),
      () => new GeneDeletionPlugin({ rate: 1 }),
      () => new GeneDuplicationPlugin({ rate: 1, minNopSize: 4 }),
    ]) {
      const { sim, org } = bodySim();
      const before = snapshot(sim);
      make().onBirth(sim, org);
      expect(snapshot(sim), make().kind).not.toBe(before);
    }
  });

  it('mutation operators with rate 0 never fire', () => {
    const { sim, org } = bodySim();
    const before = Array.from(sim.world.cells).join(',');
    new GeneSubstitutionPlugin({ rate: 0 }).onBirth(sim, org);
    new GeneDeletionPlugin({ rate: 0 }).onBirth(sim, org);
    expect(Array.from(sim.world.cells).join(',')).toBe(before);
  });

  it('the registry sorts plugins by hook and rejects unknown kinds', () => {
    const set = createPlugins([{ kind: 'solarRadiation' }, { kind: 'decayOnDeath' }, { kind: 'labelRewrite' }]);
    expect(set.tick.map((p) => p.kind)).toEqual(['solarRadiation']);
    expect(set.death.map((p) => p.kind)).toEqual(['decayOnDeath']);
    expect(set.birth.map((p) => p.kind)).toEqual(['labelRewrite']);
    expect(() => createPlugins([{ kind: 'nope' }])).toThrow(/unknown plugin/);
  });
});

describe('genome hash', () => {
  it('is equal for copies of one program and survives a label-namespace rewrite', async () => {
    const { compileSourceOrThrow } = await import('../../../src/compiler/index.js');
    const { programFromArtifact } = await import('../../../src/runtime/program.js');
    const world = { shape: [64, 64], toroidal: true };
    const program = programFromArtifact(compileSourceOrThrow('A:\nJMPI A\nSETI %DR0 DATA:3\nB:\nJMPI B', { world }));
    const sim = new Simulation({ shape: world.shape, plugins: [] });
    const a = sim.placeProgram(program, [1, 1], 100);
    const b = sim.placeProgram(program, [30, 40], 100);
    expect(a.genomeHash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.genomeHash).toBe(a.genomeHash);
    new LabelRewritePlugin().onBirth(sim, b);
    const { computeGenomeHash } = await import('../../../src/runtime/genome-hash.js');
    expect(computeGenomeHash(sim.world, b)).toBe(a.genomeHash);
  });
});
