import { Flags } from '../src/cli/oclif.js';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EvochoraCommand, storageDirFlags } from '../src/cli/base-command.js';
import { analyzerFor } from '../src/cli/analytics-source.js';
import { lineageHues } from '../src/visualizer/cell-colors.js';
import { EvochoraError } from '../src/errors.js';
import { loadFileSystemStorage, storageRootOf } from '../src/pipeline/index.js';
import { storedFrames } from '../src/visualizer/video/stored-frames.js';
import { FrameRenderer, type RenderMode } from '../src/visualizer/video/frame-renderer.js';
import { FfmpegSink, type VideoFormat } from '../src/visualizer/video/ffmpeg-sink.js';
import { VisualizerErrorCode } from '../src/visualizer/error-codes.js';
import {
  FrameOverlays,
  OVERLAY_NAMES,
  parseOverlays,
  type OverlayName,
} from '../src/visualizer/video/frame-overlays.js';

export interface VideoResult {
  runId: string;
  output: string;
  format: VideoFormat;
  mode: RenderMode;
  frames: number;
  width: number;
  height: number;
  fps: number;
  fromTick: number;
  toTick: number;
  every: number;
  overlays: OverlayName[];
  seconds: number;
  /** Frames rendered and encoded per second of wall time ÷ the video's fps. */
  realtimeFactor: number;
}

/** Default frame spacing: at most this many frames (a minute at 30 fps) unless --every says otherwise. */
const DEFAULT_MAX_FRAMES = 1800;

export default class Video extends EvochoraCommand<VideoResult> {
  static override summary = 'Render stored ticks of a run as a video (MP4, GIF) or PNG frames, through ffmpeg.';
  static override description =
    "Reads the run's batch files straight from storage (no node needed), rebuilds the world at every --every-th tick between --from and --to and draws it with the web visualizer's colours: `exact` (each cell --scale pixels), `minimap` (the world shrunk to --size pixels), `density` (how full each block of cells is) or `lineage` (as exact, each owned cell in its owner's lineage colour, related genotypes in related colours; needs the run's analytics). Needs ffmpeg (`apt-get install ffmpeg`). Without --every the frames are spaced to make at most a minute of video. --overlay draws text and a chart into every frame: `info` (run id, tick, organisms alive, mode along the top) and `graph` (organisms alive so far, along the bottom).";
  static override examples = [
    '<%= config.bin %> video --run RUN -o run.mp4',
    '<%= config.bin %> video --run RUN --from 100000 --to 200000 --every 100 --mode density -o density.mp4',
    '<%= config.bin %> video --run RUN --every 1000 --format gif -o run.gif',
    '<%= config.bin %> video --run RUN --every 5000 --format png -o frames/',
    '<%= config.bin %> video --run RUN --mode minimap --size 720 --overlay info,graph -o run.mp4',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
    from: Flags.integer({ description: 'First tick (default: the first stored).', min: 0 }),
    to: Flags.integer({ description: 'Last tick (default: the last stored).', min: 0 }),
    every: Flags.integer({ description: 'A frame every N ticks (default: at most a minute of video).', min: 1 }),
    mode: Flags.string({
      description: 'What a frame shows.',
      options: ['exact', 'minimap', 'density', 'lineage'],
      default: 'exact',
    }),
    scale: Flags.integer({ description: 'exact: pixels per cell.', default: 1, min: 1, max: 16 }),
    size: Flags.integer({
      description: 'minimap, density: the longest side in pixels.',
      default: 512,
      min: 16,
      max: 8192,
    }),
    overlay: Flags.string({
      description: `Overlays drawn into every frame, comma-separated: ${OVERLAY_NAMES.join(', ')}.`,
    }),
    fps: Flags.integer({ description: 'Frames per second of the video.', default: 30, min: 1, max: 240 }),
    format: Flags.string({
      description: 'Output format (default: from the file name, else mp4).',
      options: ['mp4', 'gif', 'png'],
    }),
    output: Flags.string({ char: 'o', description: 'Output file (a directory for png). Default: <run>.mp4.' }),
    ffmpeg: Flags.string({ description: 'The ffmpeg to run.', default: process.env.EVOCHORA_FFMPEG ?? 'ffmpeg' }),
    ...storageDirFlags,
  };

  async run(): Promise<VideoResult> {
    const { flags } = await this.parse(Video);
    // A bad overlay name is a usage error, found before storage is read.
    const overlayNames = parseOverlays(flags.overlay);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const { FileSystemStorage } = await loadFileSystemStorage();
    const storage = new FileSystemStorage('video', {
      rootDirectory: storageRootOf(config.node.dataDir, flags['storage-dir']),
      compressInWorker: false,
    });
    const runId = flags.run;
    const meta = await storage.readMetadata(runId);
    const shape = [...meta.worldShape];
    if (shape.length !== 2)
      throw new EvochoraError(
        VisualizerErrorCode.VIDEO_WORLD_NOT_2D,
        `Run ${runId} has a ${shape.length}-dimensional world.`,
        {
          actions: ['Videos render 2-D worlds; inspect other runs with `evochora inspect storage --tick`.'],
        },
      );
    const batches = await storage.listBatches(runId);
    const first = batches[0]?.firstTick ?? 0;
    const last = batches[batches.length - 1]?.lastTick ?? -1;
    const from = flags.from ?? first;
    const to = Math.min(flags.to ?? last, last);
    const sampling = meta.samplingInterval || 1;
    const every =
      flags.every ?? Math.max(sampling, Math.ceil((to - from + 1) / DEFAULT_MAX_FRAMES / sampling) * sampling);
    if (batches.length === 0 || to < from || from > last)
      throw new EvochoraError(
        VisualizerErrorCode.VIDEO_NOTHING_TO_RENDER,
        `No stored tick of run ${runId} lies in ${from}..${to} (stored: ${batches.length ? `${first}..${last}` : 'nothing'}).`,
        { actions: ['Pick --from/--to inside the stored range (`evochora inspect storage --run RUN`).'] },
      );
    const format = (flags.format ??
      (flags.output?.endsWith('.gif') ? 'gif' : flags.output?.endsWith('/') ? 'png' : 'mp4')) as VideoFormat;
    const outputPath = resolve(flags.output ?? `${runId}.${format === 'png' ? 'frames' : format}`);
    const output = format === 'png' ? join(outputPath, 'frame_%06d.png') : outputPath;
    mkdirSync(format === 'png' ? outputPath : dirname(outputPath), { recursive: true });
    const mode = flags.mode as RenderMode;
    const renderer = new FrameRenderer([shape[0]!, shape[1]!], {
      mode,
      scale: flags.scale,
      size: flags.size,
      ...(mode === 'lineage'
        ? { ownerHues: await ownerLineageHues(config.node.dataDir, flags['storage-dir'], runId) }
        : {}),
    });
    const sink = new FfmpegSink({
      ffmpeg: flags.ffmpeg,
      width: renderer.width,
      height: renderer.height,
      fps: flags.fps,
      format,
      output,
    });
    const overlays = new FrameOverlays(overlayNames, {
      width: renderer.width,
      height: renderer.height,
      runId,
      mode,
      fromTick: from,
      toTick: to,
      cells: shape[0]! * shape[1]!,
    });
    const expected = Math.floor((to - from) / every) + 1;
    const started = Date.now();
    let frames = 0;
    let lastReport = 0;
    const progress = (): void => {
      if (this.jsonEnabled() || !process.stderr.isTTY) return;
      const s = (Date.now() - started) / 1000;
      const rate = frames / Math.max(s, 1e-3);
      const eta = rate > 0 ? Math.max(0, (expected - frames) / rate) : 0;
      process.stderr.write(
        `\rframes ${frames}/${expected} (${Math.min(100, Math.round((100 * frames) / expected))}%) ${rate.toFixed(0)} fps, ETA ${eta.toFixed(0)} s   `,
      );
    };
    const onSignal = (): void => sink.kill();
    process.once('SIGINT', onSignal);
    try {
      for await (const frame of storedFrames(storage, runId, shape[0]! * shape[1]!, { from, to, every })) {
        const pixels = renderer.render(frame);
        if (overlays.any)
          overlays.draw({ pixels, width: renderer.width, height: renderer.height }, frame.tick, frame.alive);
        await sink.write(pixels);
        frames++;
        if (Date.now() - lastReport > 500) {
          lastReport = Date.now();
          progress();
        }
      }
      if (frames === 0) {
        sink.kill();
        throw new EvochoraError(
          VisualizerErrorCode.VIDEO_NOTHING_TO_RENDER,
          `No stored tick of run ${runId} lies on the frame grid ${from}, ${from + every}, … up to ${to} (sampling interval ${sampling}).`,
          { actions: ['Use an --every that is a multiple of the sampling interval, and a --from on a sampled tick.'] },
        );
      }
      await sink.finish();
    } catch (err) {
      sink.kill();
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      if (!this.jsonEnabled() && process.stderr.isTTY) process.stderr.write('\n');
    }
    const seconds = (Date.now() - started) / 1000;
    const result: VideoResult = {
      runId,
      output: outputPath,
      format,
      mode,
      frames,
      width: renderer.width,
      height: renderer.height,
      fps: flags.fps,
      fromTick: from,
      toTick: to,
      every,
      overlays: overlayNames,
      seconds: Math.round(seconds * 100) / 100,
      realtimeFactor: Math.round((frames / Math.max(seconds, 1e-3) / flags.fps) * 100) / 100,
    };
    if (!this.jsonEnabled())
      this.log(
        `${outputPath}: ${frames} frames ${result.width}×${result.height} (ticks ${from}..${to} every ${every}, ${mode}) in ${result.seconds} s, ${result.realtimeFactor}× real time at ${flags.fps} fps`,
      );
    return result;
  }
}

/**
 * Each owner's lineage hue, from the run's analytics (its genotypes and where each arose from), coloured by the
 * rule the web visualizer's "by lineage" uses.
 */
async function ownerLineageHues(
  dataDir: string,
  storageDir: string | undefined,
  runId: string,
): Promise<Map<number, number>> {
  const analyzer = await analyzerFor(dataDir, storageDir);
  try {
    const tree = await analyzer.genomeTree(runId).catch((err: unknown) => {
      throw new EvochoraError(
        VisualizerErrorCode.VIDEO_NEEDS_ANALYTICS,
        `Run ${runId} has no analytics to colour its lineages by (${(err as Error).message})`,
        {
          actions: [
            `Build them with \`evochora index --run ${runId} --only analytics\` (a node with the analytics indexer builds them as it records).`,
          ],
        },
      );
    });
    const hues = lineageHues(tree);
    const out = new Map<number, number>();
    for (const [id, genome] of await analyzer.organismGenomes(runId)) {
      const hue = hues.get(genome);
      if (hue !== undefined) out.set(id, hue);
    }
    return out;
  } finally {
    await analyzer.close?.();
  }
}
