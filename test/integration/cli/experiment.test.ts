import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, evochora, isAlive, tempDataDir, until } from '../../helpers/cli.js';

function cellRecord(dataDir: string, name: string, id: string): { status: string; runId?: string } | undefined {
  const f = join(dataDir, 'experiments', name, 'cells', `${id}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
}

describe('evochora experiment run', () => {
  it('runs seeds × values as recorded runs, summarises them, and a killed sweep resumes without re-running finished cells', async () => {
    const dir = tempDataDir('evo-exp-');
    const dataDir = join(dir, 'data');
    const file = join(dir, 'sweep.conf');
    writeFileSync(
      file,
      `name = "sweep"
ticks = 40000
seeds = [1, 2]
grid = [ { option = "runtime.organism.maxEnergy", values = [150000, 20000] } ]
`,
    );
    // Killed while its second cell runs: the first is done, the second has a run that can be resumed.
    const first = spawn(process.execPath, [CLI, 'experiment', 'run', file, '--parallel', '1', '--data-dir', dataDir], {
      stdio: 'ignore',
    });
    await until(
      () => cellRecord(dataDir, 'sweep', 'c001')?.status === 'done' && cellRecord(dataDir, 'sweep', 'c002')?.runId,
      'the first cell done and the second one recording',
      60_000,
    );
    first.kill('SIGKILL');
    const done = readFileSync(join(dataDir, 'experiments', 'sweep', 'cells', 'c001.json'), 'utf8');
    const interrupted = cellRecord(dataDir, 'sweep', 'c002')!.runId!;
    // Its child notices the parent is gone and stops by itself.
    await until(() => !isAlive(first.pid!), 'the experiment to die');

    const csv = join(dir, 'summary.csv');
    const again = await evochora(
      ['experiment', 'run', file, '--parallel', '2', '--data-dir', dataDir, '--json', '--csv', csv],
      { timeout: 170_000 },
    );
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    const cells = again.json!.result.cells as Array<Record<string, any>>;
    expect(cells.map((c) => [c.cell, c.label, c.status])).toEqual([
      ['c001', 'seed=1 maxEnergy=150000', 'done'],
      ['c002', 'seed=1 maxEnergy=20000', 'done'],
      ['c003', 'seed=2 maxEnergy=150000', 'done'],
      ['c004', 'seed=2 maxEnergy=20000', 'done'],
    ]);
    expect(cells[0]!.reused).toBe(true);
    expect(readFileSync(join(dataDir, 'experiments', 'sweep', 'cells', 'c001.json'), 'utf8')).toBe(done);
    expect(cells[1]!.resumed).toBe(true);
    expect(cells[1]!.runId).toBe(interrupted);
    for (const c of cells) {
      expect(c.finalTick).toBe(40000);
      expect(c.births).toBeGreaterThan(0);
      expect(c.peakPopulation).toBeGreaterThan(1);
      // Alive with genomes at the end, or died out: then the tick it happened and nobody left.
      if (c.extinctionTick === null) expect(c.genomesAlive).toBeGreaterThan(0);
      else expect([c.extinctionTick > 0, c.finalPopulation, c.genomesAlive]).toEqual([true, 0, 0]);
    }
    // Four distinct recorded runs, with the experiment in their provenance; the resumed one is whole and exact.
    expect(new Set(cells.map((c) => c.runId)).size).toBe(4);
    const info = await evochora(['inspect', 'storage', '--run', cells[3]!.runId, '--data-dir', dataDir, '--json']);
    expect(info.json!.result.provenance).toMatchObject({ experiment: 'sweep', experimentCell: 'c004' });
    expect(info.json!.result.lastTick).toBe(40000);
    const verify = await evochora(
      ['verify', '--run', interrupted, '--replay', '--no-index', '--data-dir', dataDir, '--json'],
      {
        timeout: 120_000,
      },
    );
    expect(verify.json!.result.ok, verify.stdout).toBe(true);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('peakPopulation');
  }, 240_000);

  it('names the file and key of a bad experiment', async () => {
    const dir = tempDataDir('evo-exp-');
    const file = join(dir, 'bad.conf');
    writeFileSync(file, 'name = "x"\nticks = 10\ngrid = [ { option = "seed", values = [1] } ]\n');
    const res = await evochora(['experiment', 'run', file, '--data-dir', dir, '--json']);
    expect(res.exitCode).toBe(2);
    expect(res.json!.code).toBe('EXPERIMENT_INVALID');
    expect(res.json!.message).toContain('grid[0].option');
  });
});
