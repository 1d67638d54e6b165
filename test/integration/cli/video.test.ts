/**
 * `evochora video`: a recorded run rendered straight from storage through ffmpeg (Debian's, which CI installs):
 * ffprobe reads the expected frame count and size; GIF and PNG frames too; a missing ffmpeg, an unknown run and
 * a range without stored ticks are coded errors.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { evochora, tempDataDir } from '../../helpers/cli.js';
import { manager, recordingConfig, waitUntil } from '../pipeline/helpers.js';

let dir: string;
let runId: string;
let sm: ServiceManager | undefined;

beforeAll(async () => {
  dir = tempDataDir('evo-video-');
  // 64×64, ticks 0..300 sampled every tick.
  sm = await manager(recordingConfig(dir, { engine: { maxTicks: 300 } }));
  await sm.startAll();
  await waitUntil(() => sm!.stateOf('simulation-engine') === 'STOPPED', 60_000, 'engine');
  runId = (sm.instanceOf('simulation-engine') as SimulationEngine).simulationRunId;
  await sm.stopAll();
}, 90_000);

afterAll(async () => {
  await sm?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function probe(file: string): { frames: number; width: number; height: number } {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames,width,height',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: Array<{ width: number; height: number; nb_read_frames: string }> })
    .streams[0]!;
  return { frames: Number(s.nb_read_frames), width: s.width, height: s.height };
}

/** `evochora video --run RUN --data-dir DIR` with more arguments. */
const video = (args: string[]) => evochora(['video', '--run', runId, '--data-dir', dir, ...args]);

describe('evochora video', () => {
  it('renders an MP4 ffprobe reads with the expected frames and size', async () => {
    const out = join(dir, 'run.mp4');
    const r = await video(['--every', '10', '--scale', '2', '-o', out, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    // Ticks 0, 10, …, 300.
    expect(r.json).toMatchObject({
      status: 0,
      result: { frames: 31, width: 128, height: 128, format: 'mp4', every: 10 },
    });
    expect(probe(out)).toEqual({ frames: 31, width: 128, height: 128 });
  }, 60_000);

  it('renders a density GIF and PNG frames of a tick range', async () => {
    const gif = join(dir, 'density.gif');
    const g = await video([
      '--from',
      '100',
      '--to',
      '200',
      '--every',
      '25',
      '--mode',
      'density',
      '--size',
      '16',
      '-o',
      gif,
      '--json',
    ]);
    expect(g.exitCode, g.stderr).toBe(0);
    expect(probe(gif)).toEqual({ frames: 5, width: 16, height: 16 });
    const frames = join(dir, 'frames');
    const p = await video(['--every', '100', '--format', 'png', '-o', frames, '--json']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(readdirSync(frames).filter((f) => f.endsWith('.png'))).toHaveLength(4);
  }, 60_000);

  it("renders the lineage mode from the run's analytics (and says how to build them when they are missing)", async () => {
    const out = join(dir, 'lineage.mp4');
    const missing = await video(['--mode', 'lineage', '--every', '50', '-o', out, '--json']);
    expect(missing.exitCode).not.toBe(0);
    expect(JSON.stringify(missing.json)).toContain('analytics');
    const index = await evochora(['index', '--run', runId, '--only', 'analytics', '--data-dir', dir, '--json']);
    expect(index.exitCode, index.stdout + index.stderr).toBe(0);
    const r = await video(['--mode', 'lineage', '--every', '50', '-o', out, '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.json).toMatchObject({ status: 0, result: { frames: 7, width: 64, height: 64 } });
    expect(probe(out)).toEqual({ frames: 7, width: 64, height: 64 });
  }, 90_000);

  it('fails with a coded error for a missing ffmpeg, an unknown run and a range with no stored tick', async () => {
    const noFfmpeg = await video(['--ffmpeg', '/nonexistent/ffmpeg', '-o', join(dir, 'x.mp4'), '--json']);
    expect(noFfmpeg.exitCode).toBe(1);
    expect(noFfmpeg.json).toMatchObject({ code: 'VIDEO_FFMPEG_MISSING' });
    const unknown = await evochora(['video', '--run', 'no-such-run', '--data-dir', dir, '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json).toMatchObject({ code: 'RUN_NOT_FOUND' });
    const empty = await video(['--from', '5000', '-o', join(dir, 'y.mp4'), '--json']);
    expect(empty.exitCode).toBe(1);
    expect(empty.json).toMatchObject({ code: 'VIDEO_NOTHING_TO_RENDER' });
  }, 60_000);
});
