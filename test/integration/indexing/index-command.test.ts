import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { evochora, tempDataDir } from '../../helpers/cli.js';
import { manager, recordingConfig, waitUntil } from '../pipeline/helpers.js';
import { indexingConfig, recordAndIndex } from './helpers.js';

let sm: ServiceManager | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sm?.shutdown();
  sm = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('evochora index --run', () => {
  it('indexes a run recorded without indexers, and re-indexing gives the same database as live indexing', async () => {
    // A run recorded AND indexed live…
    const live = tempDataDir('evo-idxcmd-');
    dirs.push(live);
    sm = await manager(indexingConfig(live, { engine: { maxTicks: 40 } }));
    const { runId, db } = await recordAndIndex(sm);
    const liveDump = db.openWriter(runId).dump();
    await sm.shutdown();
    sm = undefined;
    // …re-indexed from storage by the command into another directory.
    const res = await evochora([
      'index',
      '--run',
      runId,
      '--data-dir',
      live,
      '--index-dir',
      join(live, 'reindex'),
      '--json',
    ]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json!.result).toMatchObject({ runId, batches: expect.any(Number), firstTick: 0, lastTick: 40 });
    const again = new SqliteIndexDatabase('again', { directory: join(live, 'reindex') });
    expect(again.openWriter(runId).dump()).toEqual(liveDump);
    await again.close();

    // A run recorded by persistence only has no index until the command runs.
    const bare = tempDataDir('evo-idxcmd-');
    dirs.push(bare);
    sm = await manager(recordingConfig(bare, { engine: { maxTicks: 20 } }));
    await sm.startAll();
    await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 30_000, 'engine');
    await sm.stopAll();
    const storage = sm.resource('tick-storage') as unknown as { listRunIds(): Promise<string[]> };
    const [bareRun] = await storage.listRunIds();
    expect(existsSync(join(bare, 'index'))).toBe(false);
    const human = await evochora(['index', '--run', bareRun!, '--data-dir', bare]);
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/indexed run .*ticks 0\.\.20/);
    expect(existsSync(join(bare, 'index', `${bareRun}.sqlite`))).toBe(true);
  }, 90_000);

  it('fails clearly for an unknown run and a missing --run', async () => {
    const d = tempDataDir('evo-idxcmd-');
    dirs.push(d);
    const unknown = await evochora(['index', '--run', 'no-such-run', '--data-dir', d, '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json).toMatchObject({ code: 'RUN_NOT_FOUND' });
    const usage = await evochora(['index', '--data-dir', d]);
    expect(usage.exitCode).toBe(2);
  }, 30_000);
});
