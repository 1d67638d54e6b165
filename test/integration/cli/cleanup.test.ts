/**
 * `evochora cleanup`: picks runs by id, age or count, lists them with sizes, deletes storage (analytics included),
 * the index and the run's dead letters only with --yes, leaves runs written to lately alone, and refuses to guess.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evochora, tempDataDir } from '../../helpers/cli.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { manager, recordingConfig, waitUntil } from '../pipeline/helpers.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { DeadLetterStore } from '../../../src/pipeline/resources/dead-letter-store.js';

let dir: string;
const runs: string[] = [];

beforeAll(async () => {
  dir = tempDataDir('evo-cleanup-');
  // Three small runs, oldest first, each indexed.
  for (let i = 0; i < 3; i++) {
    const sm = await manager(recordingConfig(dir, { engine: { maxTicks: 20 } }));
    await sm.startAll();
    await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 30_000, 'engine');
    runs.push((sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId);
    await sm.shutdown();
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const r of runs) expect((await evochora(['index', '--run', r, '--data-dir', dir])).exitCode).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `cleanup --run RUN --yes` for a run just written (--active-within 0). */
const deleteRun = (runId: string) =>
  evochora(['cleanup', '--run', runId, '--yes', '--active-within', '0', '--data-dir', dir, '--json']);

describe('evochora cleanup', () => {
  it('lists without deleting on --dry-run, and leaves runs written to lately alone', async () => {
    const dry = await evochora([
      'cleanup',
      '--keep-last',
      '1',
      '--dry-run',
      '--active-within',
      '0',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const result = (
      dry.json as {
        result: { runs: Array<{ runId: string; storageBytes: number; indexBytes: number; deleted: boolean }> };
      }
    ).result;
    expect(result.runs.map((r) => r.runId).sort()).toEqual(runs.slice(0, 2).sort());
    for (const r of result.runs) {
      expect(r.deleted).toBe(false);
      expect(r.storageBytes).toBeGreaterThan(0);
      expect(r.indexBytes).toBeGreaterThan(0);
    }
    for (const r of runs) expect(existsSync(join(dir, 'storage', r))).toBe(true);
    // Just written: with the default window they may be recording, so nothing is deleted.
    const recent = await evochora(['cleanup', '--keep-last', '1', '--yes', '--data-dir', dir, '--json']);
    expect(recent.exitCode, recent.stderr).toBe(0);
    expect((recent.json as { result: { freedBytes: number } }).result.freedBytes).toBe(0);
    for (const r of runs) expect(existsSync(join(dir, 'storage', r))).toBe(true);
  }, 60_000);

  it('deletes storage and index of the chosen run with --yes; the others stay listed', async () => {
    // A dead letter of the run goes with it; one of another run stays.
    const dlq = new DeadLetterStore(join(dir, 'dlq', 'persistence-dlq'));
    const letter = (runId: string) => ({
      originalMessage: new Uint8Array([1, 2, 3]),
      messageType: 'TickDataChunk[]',
      failureReason: 'EIO',
      metadata: { simulationRunId: runId },
    });
    const mine = await dlq.add(letter(runs[0]!));
    const other = await dlq.add(letter(runs[1]!));
    const dry = await evochora([
      'cleanup',
      '--run',
      runs[0]!,
      '--dry-run',
      '--active-within',
      '0',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect((dry.json as { result: { runs: Array<{ deadLetters: number }> } }).result.runs[0]!.deadLetters).toBe(1);
    const del = await deleteRun(runs[0]!);
    expect(dlq.list().map((e) => e.id)).toEqual([other]);
    expect(mine).not.toBe(other);
    expect(del.exitCode, del.stderr).toBe(0);
    expect((del.json as { result: { freedBytes: number } }).result.freedBytes).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'storage', runs[0]!))).toBe(false);
    expect(existsSync(join(dir, 'index', `${runs[0]}.sqlite`))).toBe(false);
    const listed = await evochora(['inspect', 'storage', '--data-dir', dir, '--json']);
    expect((listed.json as { result: { runs: string[] } }).result.runs.sort()).toEqual(runs.slice(1).sort());
  }, 60_000);

  it('refuses to guess: no selector, an unknown run, no --yes without a terminal', async () => {
    const none = await evochora(['cleanup', '--data-dir', dir, '--json']);
    expect(none.exitCode).toBe(2);
    expect(none.json).toMatchObject({ code: 'USAGE' });
    const unknown = await evochora(['cleanup', '--run', 'no-such-run', '--data-dir', dir, '--json']);
    expect(unknown.json).toMatchObject({ code: 'RUN_NOT_FOUND' });
    const unconfirmed = await evochora(['cleanup', '--run', runs[1]!, '--active-within', '0', '--data-dir', dir]);
    expect(unconfirmed.exitCode).toBe(2);
    expect(existsSync(join(dir, 'storage', runs[1]!))).toBe(true);
  }, 60_000);

  it('finishes a cleanup that was cut short after hiding a run: its data and index go with the next one', async () => {
    const storage = new FileSystemStorage('t', { rootDirectory: join(dir, 'storage'), compressInWorker: false });
    const [victim, other] = await storage.listRunIds();
    expect(victim && other).toBeTruthy();
    // A cleanup that crashed right after taking the run out of the listings.
    await storage.hideRun(victim!);
    expect(await storage.listRunIds()).not.toContain(victim);
    expect(existsSync(join(dir, 'index', `${victim}.sqlite`))).toBe(true);
    const dry = await evochora(['cleanup', '--run', other!, '--dry-run', '--data-dir', dir, '--json']);
    expect(dry.exitCode).toBe(0);
    expect(JSON.stringify(dry.json)).toContain(`run ${victim} was hidden by an interrupted cleanup`);
    expect(await storage.hiddenRuns()).toEqual([victim]);
    const r = await deleteRun(other!);
    expect(r.exitCode).toBe(0);
    expect(await storage.hiddenRuns()).toEqual([]);
    expect(existsSync(join(dir, 'index', `${victim}.sqlite`))).toBe(false);
    expect(await storage.listRunIds()).not.toContain(other);
  });
});
