import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TickDataChunk, type ChunkMessage } from '../../../src/pipeline/contracts/index.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { indexMetadata, indexStoredBatches } from '../../../src/pipeline/services/indexers/index-operations.js';
import { analyzeStoredBatches } from '../../../src/pipeline/analytics/analytics-operations.js';
import { DEFAULT_PLUGIN_IDS, selectPlugins } from '../../../src/pipeline/analytics/plugin-catalogue.js';
import { DEFAULT_LOD_FACTORS } from '../../../src/pipeline/analytics/levels.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { verifyRun } from '../../../src/pipeline/verification/verify-run.js';
import type { BatchFileInfo } from '../../../src/pipeline/api/batch-storage.js';
import { manager, recordingConfig, waitUntil } from './helpers.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A copy of the recorded data directory that a test may damage. */
function copyOf(source: string, name: string): { dir: string; storage: FileSystemStorage } {
  const dir = join(source, '..', name);
  cpSync(source, dir, { recursive: true });
  return {
    dir,
    storage: new FileSystemStorage(name, { rootDirectory: join(dir, 'storage'), compressInWorker: false }),
  };
}

describe('evochora verify', () => {
  let base: string;
  let recorded: string;
  let runId: string;
  let batches: BatchFileInfo[];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'evo-verify-'));
    recorded = join(base, 'recorded');
    // The replicator (births, deaths, energy) in a small world, chunks of 50 ticks, batches of 3 chunks.
    const sm = await manager(
      recordingConfig(recorded, {
        maxBatchSize: 3,
        engine: {
          environment: { shape: [160, 160], topology: 'TORUS' },
          seed: 42,
          organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[20, 20]] }],
          accumulatedDeltaInterval: 5,
          snapshotInterval: 10,
          maxTicks: 1999,
        },
      }),
    );
    await sm.startAll();
    await waitUntil(() => sm.stateOf('simulation-engine') === 'STOPPED', 120_000, 'engine to finish');
    await sm.stopAll();
    runId = (sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId;
    await sm.shutdown();
    const storage = new FileSystemStorage('s', { rootDirectory: join(recorded, 'storage'), compressInWorker: false });
    batches = await storage.listBatches(runId);
    // Index and analyse all but the last batch: verify must name what is missing.
    const index = new SqliteIndexDatabase('i', { directory: join(recorded, 'index') });
    await indexMetadata(storage, index, runId);
    await indexStoredBatches(storage, index, runId, batches.slice(0, -1));
    await index.close();
    await analyzeStoredBatches(storage, storage, runId, batches.slice(0, -1), {
      plugins: selectPlugins(DEFAULT_PLUGIN_IDS),
      lodFactors: DEFAULT_LOD_FACTORS,
      maxPartSamples: 100_000,
    });
  }, 180_000);

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('finds a whole run whole, replays every snapshot to the next, and names unindexed and unanalysed batches', async () => {
    expect(batches.length).toBeGreaterThan(5);
    const storage = new FileSystemStorage('s', { rootDirectory: join(recorded, 'storage'), compressInWorker: false });
    const whole = await verifyRun(storage, runId, { replay: true });
    expect(whole.problems).toEqual([]);
    expect(whole).toMatchObject({ ok: true, ticks: 2000, firstTick: 0, lastTick: 1999, samplingInterval: 1 });
    expect(whole.replayedSnapshots).toBe(39);
    expect(whole.replayedTicks).toBe(1950);

    const index = new SqliteIndexDatabase('i', { directory: join(recorded, 'index') });
    const withIndex = await verifyRun(storage, runId, { index, analytics: storage });
    await index.close();
    const last = batches.at(-1)!;
    expect(withIndex.ok).toBe(false);
    expect(withIndex.indexChecked && withIndex.analyticsChecked).toBe(true);
    expect(withIndex.problems.map((p) => [p.kind, p.file, p.tick])).toEqual([
      ['index', last.key, last.firstTick],
      ['index', last.key, last.firstTick],
      ['analytics', last.key, last.firstTick],
    ]);
  });

  it('names a truncated file with its offset, a missing file as a gap, and a changed snapshot in the replay', async () => {
    const { dir, storage } = copyOf(recorded, 'damaged');
    const [, cut, gone, changed] = [batches[0]!, batches[1]!, batches[3]!, batches[5]!];
    const cutPath = join(dir, 'storage', cut.key);
    const bytes = readFileSync(cutPath);
    writeFileSync(cutPath, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    unlinkSync(join(dir, 'storage', gone.key));
    // A snapshot whose first cell differs from what the run had: valid bytes and checksums, a different state.
    const chunks: ChunkMessage[] = [];
    for await (const c of storage.readBatchFile(changed.key)) {
      const chunk = TickDataChunk.decode(c.data);
      if (chunks.length === 1) {
        const molecules = new Int32Array(new Uint8Array(chunk.snapshot!.cells!.molecules!).buffer);
        molecules[0] = molecules[0]! + 1;
        chunk.snapshot!.cells!.molecules = new Uint8Array(molecules.buffer);
      }
      chunks.push({ ...c, data: TickDataChunk.encode(chunk).finish() });
    }
    await storage.writeBatch(changed.key, chunks);
    const tampered = TickDataChunk.decode(chunks[1]!.data).snapshot!.tickNumber;

    const r = await verifyRun(storage, runId, { replay: true });
    expect(r.ok).toBe(false);
    const kinds = r.problems.map((p) => p.kind);
    expect(kinds).toContain('file');
    const file = r.problems.find((p) => p.kind === 'file')!;
    expect(file).toMatchObject({ file: cut.key, tick: cut.firstTick });
    expect(file.offset).toBeGreaterThanOrEqual(0);
    expect(file.message).toMatch(/offset \d+/);
    const gap = r.problems.find((p) => p.kind === 'gap')!;
    expect(gap).toMatchObject({ tick: gone.firstTick });
    expect(gap.message).toContain(`${gone.firstTick}..${gone.lastTick}`);
    const replay = r.problems.find((p) => p.kind === 'replay')!;
    expect(replay).toMatchObject({ file: changed.key, tick: Number(tampered) });
    // Nothing else: the file after the cut one and the one after the gap are checked as they should be.
    expect(kinds.filter((k) => k === 'gap' || k === 'overlap' || k === 'chunk')).toEqual(['gap']);
  });

  it('the command exits 0 for a whole run and 1 with the problems as JSON', () => {
    const cli = (dir: string, ...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'bin/dev.js'), 'verify', '--run', runId, '--data-dir', dir, '--json', ...args],
        { cwd: root, encoding: 'utf8' },
      );
    // A copy without index and analytics: a problem for a default configuration (its node indexes every run),
    // whole when only storage is checked.
    const { dir: plain } = copyOf(recorded, 'plain');
    rmSync(join(plain, 'index'), { recursive: true, force: true });
    rmSync(join(plain, 'storage', runId, 'analytics'), { recursive: true, force: true });
    const noIndex = cli(plain);
    expect(noIndex.status).toBe(1);
    expect(
      (JSON.parse(noIndex.stdout) as { result: { problems: Array<{ message: string }> } }).result.problems,
    ).toEqual([expect.objectContaining({ kind: 'index', message: expect.stringContaining('evochora index --run') })]);
    const ok = cli(plain, '--no-index');
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const whole = JSON.parse(ok.stdout) as { status: number; result: { ok: boolean; ticks: number } };
    expect(whole).toMatchObject({ status: 0, result: { ok: true, ticks: 2000 } });
    const bad = cli(recorded);
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout) as { status: number; result: { problems: Array<{ kind: string }> } };
    expect(report.status).toBe(1);
    expect(report.result.problems.map((p) => p.kind)).toEqual(['index', 'index', 'analytics']);
  });
});
