import { Flags } from '../src/cli/oclif.js';
import { EvochoraCommand, storageDirFlags } from '../src/cli/base-command.js';
import { storedRunBackends } from '../src/cli/stored-run-backends.js';
import { ExitCode } from '../src/exit-codes.js';
import { isAnalyticsStore, loadVerification, type VerificationReport } from '../src/pipeline/index.js';

export interface VerifyResult extends VerificationReport {
  readonly durationMs: number;
  /** Compressed batch-file bytes read per second. */
  readonly bytesPerSecond: number;
}

export default class Verify extends EvochoraCommand<VerifyResult> {
  static override summary = 'Prove a recorded run whole: checksums, every tick, no gaps, index and analytics complete.';
  static override description =
    "Reads every batch file of the run straight from storage (no node needed): each chunk's zstd checksum, each sample's tick against the chunk's header, the file name and the run's sampling interval, gaps and overlaps between chunks; then whether the run's index and analytics cover every stored batch (analytics when the run has them). With --replay the runtime also re-simulates from every snapshot to the next one and compares the state hashes: determinism proven on the stored data. Each problem names its file, offset and tick. Exit 0 only when the run is whole, 1 when a problem was found. Storage and index are those of the configuration (-c): the file system and SQLite by default, S3 and PostgreSQL with a distributed config.";
  static override examples = [
    '<%= config.bin %> verify --run 20261125-03074100-…',
    '<%= config.bin %> verify --run RUN --replay --json',
    '<%= config.bin %> verify --run RUN --data-dir ./data --no-index',
    '<%= config.bin %> verify --run RUN -c config/distributed/indexer-host.conf',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).', required: true }),
    ...storageDirFlags,
    'index-dir': Flags.string({
      description: "A SQLite index directory to check instead of the configuration's index.",
    }),
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
    const { storage, index, close } = await storedRunBackends(config, {
      ...(flags['storage-dir'] !== undefined ? { storageDir: flags['storage-dir'] } : {}),
      ...(flags['index-dir'] !== undefined ? { indexDir: flags['index-dir'] } : {}),
      withIndex: flags.index,
    });
    if (flags.index && !index) this.warnUser('the configuration has no index database: the index is not checked.');
    const started = Date.now();
    try {
      const { verifyRun } = await loadVerification();
      const report = await verifyRun(storage, flags.run, {
        ...(index ? { index } : {}),
        ...(isAnalyticsStore(storage) ? { analytics: storage } : {}),
        replay: flags.replay,
        onProgress: this.progressLine(started),
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
      await close();
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
