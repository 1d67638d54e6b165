/**
 * `evochora video`: a recorded run rendered straight from storage through ffmpeg (Debian's, which CI installs):
 * ffprobe reads the expected frame count and size; GIF and PNG frames too; a missing ffmpeg, an unknown run and
 * a range without stored ticks are coded errors. Overlays: PNG frames with `--overlay info,graph` are the frames
 * without, with the info band and the population strip drawn from an independent count of the organisms alive.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceManager } from '../../../src/pipeline/service-manager.js';
import type { SimulationEngine } from '../../../src/pipeline/services/simulation-engine.js';
import { evochora, tempDataDir } from '../../helpers/cli.js';
import { FileSystemStorage } from '../../../src/pipeline/resources/file-system-storage.js';
import { storageRootOf } from '../../../src/pipeline/resources/storage-locations.js';
import { OrganismTimeline } from '../../../src/pipeline/contracts/organism-timeline.js';
import { FrameOverlays } from '../../../src/visualizer/video/frame-overlays.js';
import { GRAPH_LINE_RGB, GraphOverlay } from '../../../src/visualizer/video/overlay-graph.js';
import { INFO_BAND_ALPHA, INFO_TEXT_RGB, InfoOverlay } from '../../../src/visualizer/video/overlay-info.js';
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

/** A PNG's RGB24 pixels, decoded by ffmpeg. */
function pngPixels(file: string): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 26,
  });
}

/** The PNG frames a `--format png` run wrote into `dir`, in order, as pixels. */
function framesIn(dir: string): Buffer[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => pngPixels(join(dir, f)));
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

  it('draws --overlay info,graph into PNG frames: the info band and the population strip, the rest unchanged', async () => {
    const plain = join(dir, 'plain');
    const over = join(dir, 'overlay');
    const common = ['--every', '100', '--scale', '4', '--format', 'png', '--json'];
    const a = await video([...common, '-o', plain]);
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await video([...common, '--overlay', 'info,graph', '-o', over]);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.json).toMatchObject({ result: { frames: 4, width: 256, height: 256, overlays: ['info', 'graph'] } });
    const without = framesIn(plain);
    const withOverlays = framesIn(over);
    expect(withOverlays).toHaveLength(4);
    const [w, h] = [256, 256];
    const band = new InfoOverlay({ width: w, height: h, runId, mode: 'exact', maxTick: 300, maxAlive: 64 * 64 });
    const strip = new GraphOverlay({ width: w, height: h, fromTick: 0, toTick: 300 });
    expect(band.bandHeight).toBeLessThan(strip.top);
    const at = (px: Buffer, x: number, y: number) => [...px.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
    const has = (px: Buffer, rgb: readonly number[], y0: number, y1: number): boolean => {
      for (let y = y0; y < y1; y++)
        for (let x = 0; x < w; x++) if (at(px, x, y).every((v, k) => v === rgb[k])) return true;
      return false;
    };
    for (let i = 0; i < 4; i++) {
      const plainPx = without[i]!;
      const px = withOverlays[i]!;
      // Between the band and the strip nothing changed.
      expect(
        px
          .subarray(band.bandHeight * w * 3, strip.top * w * 3)
          .equals(plainPx.subarray(band.bandHeight * w * 3, strip.top * w * 3)),
      ).toBe(true);
      // The band: the frame darkened (its right end holds no text) and text in the text colour.
      const keep = 1 - INFO_BAND_ALPHA;
      expect(at(px, w - 1, 0)).toEqual(at(plainPx, w - 1, 0).map((v) => Math.round(v * keep)));
      expect(has(px, INFO_TEXT_RGB, 0, band.bandHeight)).toBe(true);
      expect(has(plainPx, INFO_TEXT_RGB, 0, band.bandHeight)).toBe(false);
      // The strip: the line from the second frame on.
      if (i > 0) expect(has(px, GRAPH_LINE_RGB, strip.top, h)).toBe(true);
      expect(has(plainPx, GRAPH_LINE_RGB, strip.top, h)).toBe(false);
    }
    // Exactly the plain frames with the overlays drawn from an independent count of the living (each sample's
    // organisms rebuilt by OrganismTimeline): the text says the right tick and count, the line has the right shape.
    const storage = new FileSystemStorage('test', { rootDirectory: storageRootOf(dir), compressInWorker: false });
    const alive = new Map<number, number>();
    for await (const chunk of storage.readChunks(runId, 0, 300))
      OrganismTimeline.ofEncoded(chunk.data).forEachSample((_i, tick, organisms) =>
        alive.set(tick, organisms.filter((o) => !o.isDead).length),
      );
    expect(alive.get(300)).toBeGreaterThan(0);
    const overlays = new FrameOverlays(['info', 'graph'], {
      width: w,
      height: h,
      runId,
      mode: 'exact',
      fromTick: 0,
      toTick: 300,
      cells: 64 * 64,
    });
    for (let i = 0; i < 4; i++) {
      const expected = Buffer.from(without[i]!);
      overlays.draw({ pixels: expected, width: w, height: h }, i * 100, alive.get(i * 100)!);
      expect(withOverlays[i]!.equals(expected), `frame ${i}`).toBe(true);
    }
  }, 90_000);

  it('rejects an unknown overlay name with VIDEO_UNKNOWN_OVERLAY (exit 2)', async () => {
    const r = await video(['--overlay', 'info,clock', '-o', join(dir, 'z.mp4'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.json).toMatchObject({ status: 2, code: 'VIDEO_UNKNOWN_OVERLAY', data: { overlay: 'clock' } });
  }, 30_000);

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
