/**
 * Frames into ffmpeg (Debian's): raw RGB24 on its stdin, out as H.264 MP4, an animated GIF (two-pass palette)
 * or numbered PNG files. Writes wait for ffmpeg to take them (no frames pile up in memory). A missing ffmpeg
 * and a failing one are coded errors; the latter ends with ffmpeg's last lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EvochoraError } from '../../errors.js';
import { VisualizerErrorCode } from '../error-codes.js';

export type VideoFormat = 'mp4' | 'gif' | 'png';

export interface SinkOptions {
  readonly ffmpeg: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly format: VideoFormat;
  /** The file (mp4, gif) or a printf pattern of files (png, e.g. `frames/frame_%06d.png`). */
  readonly output: string;
}

function argsOf(o: SinkOptions): string[] {
  const input = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  input.push('-s', `${o.width}x${o.height}`, '-r', String(o.fps), '-i', 'pipe:0');
  if (o.format === 'mp4')
    return [
      ...input,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      o.output,
    ];
  if (o.format === 'gif')
    return [
      ...input,
      '-vf',
      'split[a][b];[a]palettegen=max_colors=128[p];[b][p]paletteuse=dither=none',
      '-loop',
      '0',
      o.output,
    ];
  return [...input, '-f', 'image2', o.output];
}

export class FfmpegSink {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = '';
  private failure: Error | undefined;

  constructor(private readonly options: SinkOptions) {
    this.child = spawn(options.ffmpeg, argsOf(options), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        this.failure =
          err.code === 'ENOENT'
            ? new EvochoraError(VisualizerErrorCode.VIDEO_FFMPEG_MISSING, `ffmpeg was not found (${options.ffmpeg}).`, {
                actions: ['Install it: `apt-get install ffmpeg` on Debian/Ubuntu, or give its path with --ffmpeg.'],
              })
            : err;
        resolve();
      });
      this.child.on('close', (code) => {
        if (code !== 0 && !this.failure)
          this.failure = new EvochoraError(
            VisualizerErrorCode.VIDEO_FFMPEG_FAILED,
            `ffmpeg exited with ${String(code)}: ${this.stderr.trim().split('\n').slice(-5).join(' | ') || 'no output'}`,
            { actions: ['Check the output path and format; run ffmpeg -version to see that it works.'] },
          );
        resolve();
      });
    });
    // A write to a dead ffmpeg fails through `failure`, not as an unhandled stream error.
    this.child.stdin!.on('error', () => undefined);
  }

  /** Writes one frame; resolves when ffmpeg can take more. */
  async write(frame: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const stdin = this.child.stdin!;
    if (!stdin.write(frame))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stdin.off('drain', done);
          this.child.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        this.child.on('close', done);
      });
    if (this.failure) throw this.failure;
  }

  /** Ends the input and waits for ffmpeg to finish the file. */
  async finish(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
    if (this.failure) throw this.failure;
  }

  /** Stops ffmpeg (on an error or Ctrl+C); the partial output is left as ffmpeg leaves it. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  get format(): VideoFormat {
    return this.options.format;
  }
}
