import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import type { Simulation } from '../simulation.js';
import { TraceRecorder } from './trace-recorder.js';

/**
 * Writes a run in the conformance trace format: one JSON object per line, gzip-compressed when the file
 * name ends in `.gz`. Call `writeInit()` after placement, `writeTick()` after every `step()` (before
 * `pruneDead()`), and `close()` at the end.
 */
export class TraceWriter {
  private readonly recorder: TraceRecorder;
  private readonly file: WriteStream;
  private readonly gzip: Gzip | null;

  constructor(sim: Simulation, path: string) {
    this.recorder = new TraceRecorder(sim);
    this.file = createWriteStream(path);
    this.gzip = path.endsWith('.gz') ? createGzip() : null;
    if (this.gzip) this.gzip.pipe(this.file);
  }

  private write(line: unknown): Promise<void> | void {
    const out = this.gzip ?? this.file;
    if (!out.write(JSON.stringify(line) + '\n')) {
      return new Promise((resolve) => out.once('drain', () => resolve()));
    }
  }

  writeInit(): Promise<void> | void {
    return this.write(this.recorder.initLine());
  }

  writeTick(): Promise<void> | void {
    return this.write(this.recorder.tickLine());
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.file.once('finish', () => resolve());
      this.file.once('error', reject);
      if (this.gzip) this.gzip.end();
      else this.file.end();
    });
  }
}
