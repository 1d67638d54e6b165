import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { reconstructTick, ticksOf } from '../../../src/pipeline/contracts/tick-reconstruction.js';
import type { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { manager, recordingConfig, waitUntil } from './helpers.js';

const RAIN = resolve('examples/plugins/energy-rain.mjs');
const ENERGY = 2;
let dir: string;
let sm: ServiceManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evo-plug-'));
});
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Records with these runtime plugins until maxTicks (or the engine fails); returns every stored tick's state. */
async function record(
  plugins: unknown[],
  engine: Record<string, unknown> = {},
): Promise<{ runId: string; states: string[]; energyCells: number; state: string; errors: string }> {
  sm = await manager(recordingConfig(dir, { engine: { maxTicks: 300, runtime: { plugins }, ...engine } }));
  await sm.startAll();
  await waitUntil(() => ['STOPPED', 'ERROR'].includes(sm!.stateOf('simulation-engine')), 60_000, 'engine to end');
  const state = sm.stateOf('simulation-engine');
  const errors = JSON.stringify(sm.serviceStatus('simulation-engine').errors);
  await sm.stopAll();
  const storage = sm.resource('tick-storage') as FileSystemStorage;
  const runId = (sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId;
  const states: string[] = [];
  let energyCells = 0;
  if (state === 'STOPPED')
    for await (const c of storage.readChunks(runId)) {
      const chunk = TickDataChunk.decode(c.data);
      for (const t of ticksOf(chunk)) {
        const r = reconstructTick(chunk, t);
        energyCells = Array.from(r.cells.molecules).filter((m) => m >>> 20 === ENERGY).length;
        states.push(JSON.stringify([t, Array.from(r.cells.flatIndices), Array.from(r.cells.molecules), r.organisms]));
      }
    }
  await sm.shutdown();
  sm = undefined;
  return { runId, states, energyCells, state, errors };
}

function pluginFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('user plugins (runtime.plugins[].module)', () => {
  it('the example plugin changes the run, and a resumed run continues its state exactly', async () => {
    const plain = await record([]);
    // The rain stops after 300 drops (around tick 220): a resumed run that lost its count would rain longer.
    const rain = { module: RAIN, options: { amount: 3000, drops: 3, everyTicks: 2, limit: 300 } };
    const full = await record([rain]);
    expect(full.state).toBe('STOPPED');
    expect(full.energyCells).toBeGreaterThan(plain.energyCells + 50);

    const first = await record([rain], { maxTicks: 157 });
    const resumed = await record([rain], { resume: { runId: first.runId } });
    expect(resumed.runId).toBe(first.runId);
    expect(resumed.states).toEqual(full.states);
  });

  it('a plugin written in a temp folder, with a relative path, runs in the order given', async () => {
    const file = pluginFile(
      'mark.mjs',
      `export default {
  kind: 'mark', type: 'tick',
  options: { at: { kind: 'int', default: 5, doc: 'tick' }, cell: { kind: 'int', default: 0, doc: 'flat index' } },
  create(o, api) {
    const data = api.molecule('STRUCTURE', 77);
    return { onTick(host) { if (host.tick === o.at) host.world.setCell(o.cell, data, 0); } };
  },
};`,
    );
    const relative = file.replace(`${process.cwd()}/`, '');
    const r = await record([{ module: relative.startsWith('/') ? file : relative, options: { at: 20, cell: 4000 } }], {
      maxTicks: 40,
    });
    expect(r.state).toBe('STOPPED');
    const at = (t: number): Record<number, number> => {
      const [, idx, mols] = JSON.parse(r.states[t]!) as [number, number[], number[]];
      return Object.fromEntries(idx.map((i, k) => [i, mols[k]!]));
    };
    expect(at(19)[4000]).toBeUndefined();
    expect(at(21)[4000]).toBe((3 << 20) | 77);
  });

  it('a malformed plugin, a bad option and a plugin that throws stop the simulation with an error naming the file; the pipeline keeps running', async () => {
    const noCreate = pluginFile('broken.mjs', `export default { kind: 'broken', type: 'tick' };`);
    const a = await record([{ module: noCreate }]);
    expect(a.state).toBe('ERROR');
    expect(a.errors).toContain('USER_PLUGIN_INVALID');
    expect(a.errors).toContain(noCreate);

    const badOption = await record([{ module: RAIN, options: { amount: -5 } }]);
    expect(badOption.state).toBe('ERROR');
    expect(badOption.errors).toContain('amount');

    const throws = pluginFile(
      'throws.mjs',
      `export default { kind: 'boom', type: 'tick', create() { return { onTick(h) { if (h.tick === 50) throw new Error('kaboom'); } }; } };`,
    );
    sm = await manager(recordingConfig(dir, { engine: { maxTicks: 300, runtime: { plugins: [{ module: throws }] } } }));
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'ERROR', 60_000, 'engine to fail');
    const errors = JSON.stringify(sm.serviceStatus('simulation-engine').errors);
    expect(errors).toContain('USER_PLUGIN_FAILED');
    expect(errors).toContain('kaboom');
    expect(errors).toContain('at tick 50');
    expect(errors).toContain(throws);
    expect(sm.stateOf('persistence-1')).toBe('RUNNING');
  });
});
