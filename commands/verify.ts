import { Flags } from '@oclif/core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EvochoraCommand, storageDirFlags } from '../src/cli/base-command.js';
import { ExitCode } from '../src/exit-codes.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { storageRootOf } from '../src/pipeline/resources/storage-locations.js';
import { SqliteIndexDatabase } from '../src/pipeline/resources/index-db/sqlite-index-database.js';
import { verifyRun, type VerificationReport } from '../src/pipeline/verification/verify-run.js';

export interface VerifyResult extends VerificationReport {
  readonly durationMs: number;
  /** Compressed batch-file bytes read per second. */
  readonly bytesPerSecond: number;
}

export default class Verify extends EvochoraCommand<VerifyResult> {
  static override summary = 'Prove a recorded run whole: checksums, every tick, no gaps, index and analytics complete.';
  static override description =
    "Reads every batch file of the run straight from storage (no node needed): each chunk's zstd checksum, each sample's tick against the chunk's header, the file name and the run's sampling interval, gaps and overlaps between chunks; then whether the run's index (<data-dir>/index) and analytics cover every stored batch, when the run has them. With --replay the runtime also re-simulates from every snapshot to the next one and compares the state hashes: determinism proven on the stored data. Each problem names its file, offset and tick. Exit 0 only when the run is whole, 1 when a problem was found. File-system storage and the SQLite index.";
  static override examples = [
    '<%= config.bin %> verify --run 20261125-03074100-…',
    '<%= config.bin %> verify --run RUN --replay --json',
    '<%= config.bin %> verify --run RUN --data-dir ./data --no-index',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
    ...storageDirFlags,
    'index-dir': Flags.string({ description: 'Index directory to check instead of <data-dir>/index.' }),
    index: Flags.boolean({
      description: 'Check that the index covers every stored batch (--no-index: storage only).',
      default: true,
      allowNo: true,
    }),
    replay: Flags.boolean({ description: 'Re-simulate from every snapshot to the next and compare state hashes.' }),
  };

  async run(): Promise<VerifyResult> {
    const { flags } = await this.parse(Verify);
    const { config } = this.resolveConfig(flags);
    const storage = new FileSystemStorage('verify', {
      rootDirectory: storageRootOf(config.node.dataDir, flags['storage-dir']),
      compressInWorker: false,
    });
    const indexDir = flags['index-dir'] ? resolve(flags['index-dir']) : resolve(config.node.dataDir, 'index');
    const index =
      flags.index && existsSync(indexDir) ? new SqliteIndexDatabase('verify', { directory: indexDir }) : undefined;
    if (flags.index && !index)
      this.warnUser(`no index directory at ${indexDir}: the index is not checked (--index-dir, or --no-index).`);
    const started = Date.now();
    const progress = this.progressLine(started);
    try {
      const report = await verifyRun(storage, flags.run, {
        ...(index ? { index } : {}),
        analytics: storage,
        replay: flags.replay,
        onProgress: progress,
      });
      const durationMs = Date.now() - started;
      const result: VerifyResult = {
        ...report,
        durationMs,
        bytesPerSecond: durationMs === 0 ? 0 : Math.round((report.bytes * 1000) / durationMs),
      };
      if (!report.ok) this.exitStatus = ExitCode.Failure;
      if (!this.jsonEnabled()) this.printReport(result);
      return result;
    } finally {
      await index?.close();
      await storage.close();
    }
  }

  /** A progress line on stderr with the rate and an ETA (a terminal only; never with --json). */
  private progressLine(started: number): (done: number, total: number, ticks: number) => void {
    let last = 0;
    return (done, total, ticks) => {
      if (this.jsonEnabled() || !process.stderr.isTTY) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const seconds = (now - started) / 1000;
      const eta = done === 0 ? 0 : (seconds / done) * (total - done);
      process.stderr.write(
        `\rverifying: batch ${done}/${total} (${Math.round((100 * done) / Math.max(1, total))}%), ${ticks} ticks, ETA ${eta.toFixed(0)} s   ${done === total ? '\n' : ''}`,
      );
    };
  }

  private printReport(r: VerifyResult): void {
    const range = r.firstTick === null ? 'no batches' : `ticks ${r.firstTick}..${r.lastTick}`;
    this.log(
      `run ${r.runId}: ${r.batches} batches, ${r.chunks} chunks, ${r.ticks} sampled ticks (${range}, every ${r.samplingInterval}), ${(r.bytes / 1e6).toFixed(1)} MB in ${(r.durationMs / 1000).toFixed(1)} s`,
    );
    this.log(
      `checked: checksums and ticks of every chunk${r.indexChecked ? ', index' : ''}${r.analyticsChecked ? ', analytics' : ''}${r.replayedSnapshots > 0 ? `, replay of ${r.replayedSnapshots} snapshots (${r.replayedTicks} ticks)` : ''}`,
    );
    if (r.ok) {
      this.log('whole: no problems found');
      return;
    }
    this.log(`${r.problems.length} problem(s):`);
    for (const p of r.problems) {
      const where = [
        p.file && `file ${p.file}`,
        p.offset !== undefined && `offset ${p.offset}`,
        p.tick !== undefined && `tick ${p.tick}`,
      ]
        .filter(Boolean)
        .join(', ');
      this.log(`  [${p.kind}] ${p.message}${where ? ` (${where})` : ''}`);
    }
  }
}
