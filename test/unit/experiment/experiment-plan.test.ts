import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExperimentPlan } from '../../../src/experiment/experiment-plan.js';
import { EvochoraError } from '../../../src/errors.js';

function plan(text: string): ReturnType<typeof readExperimentPlan> {
  const file = join(mkdtempSync(join(tmpdir(), 'evo-plan-')), 'e.conf');
  writeFileSync(file, text);
  return readExperimentPlan(file);
}

function problem(text: string): string {
  try {
    plan(text);
  } catch (err) {
    expect(err).toBeInstanceOf(EvochoraError);
    expect((err as EvochoraError).code).toBe('EXPERIMENT_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected EXPERIMENT_INVALID');
}

describe('experiment files', () => {
  it('makes a cell of every seed with every combination, in a fixed order with stable ids', () => {
    const p = plan(`name = "s"
ticks = 100
seeds = [7, 8]
grid = [
  { option = "runtime.organism.maxEnergy", values = [1, 2] }
  { option = "samplingInterval", values = [1, 10] }
]
config = "node.conf"
set = ["logging.level = warn"]`);
    expect(p.cells.map((c) => [c.id, c.label])).toEqual([
      ['c001', 'seed=7 maxEnergy=1 samplingInterval=1'],
      ['c002', 'seed=7 maxEnergy=1 samplingInterval=10'],
      ['c003', 'seed=7 maxEnergy=2 samplingInterval=1'],
      ['c004', 'seed=7 maxEnergy=2 samplingInterval=10'],
      ['c005', 'seed=8 maxEnergy=1 samplingInterval=1'],
      ['c006', 'seed=8 maxEnergy=1 samplingInterval=10'],
      ['c007', 'seed=8 maxEnergy=2 samplingInterval=1'],
      ['c008', 'seed=8 maxEnergy=2 samplingInterval=10'],
    ]);
    expect(p.cells[5]!.values).toEqual({ 'runtime.organism.maxEnergy': 1, samplingInterval: 10 });
    expect(p.config).toBe(join(p.file, '..', 'node.conf'));
    expect(plan('name = "r"\nticks = 5').cells.map((c) => c.label)).toEqual(['seed=42']);
  });

  it('names the key of what it cannot use', () => {
    expect(problem('ticks = 5')).toContain('name:');
    expect(problem('name = "a b"\nticks = 5')).toContain('name:');
    expect(problem('name = "x"\nticks = 0')).toContain('ticks:');
    expect(problem('name = "x"\nticks = 5\nseeds = [1, 1]')).toContain('seeds: each seed once');
    expect(problem('name = "x"\nticks = 5\ngrid = [ { option = "maxTicks", values = [1] } ]')).toContain(
      'grid[0].option',
    );
    expect(problem('name = "x"\nticks = 5\ngrid = [ { option = "a", values = [] } ]')).toContain('grid[0].values');
    expect(problem('name = "x"\nticks = 5\nsets = []')).toContain('sets: unknown key');
    expect(problem('name = "x"\nticks = 5\nset = ["nope"]')).toContain('set:');
  });
});
