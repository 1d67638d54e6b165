import { Flags } from '../../src/cli/oclif.js';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { EvochoraError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { loadTickReconstruction, type BatchStorageReader } from '../../src/pipeline/index.js';
import { storedRunBackends } from '../../src/cli/stored-run-backends.js';
import { CliErrorCode } from '../../src/cli/error-codes.js';

export interface StoredTickResult {
  runId: string;
  tick: number;
  storageKey: string;
  chunk: { firstTick: number; lastTick: number; tickCount: number; offset: number };
  sampleKind: string;
  worldShape: number[];
  totalOrganismsCreated: number;
  organisms: Record<string, unknown>[];
  cells: { count: number; flatIndices: number[]; molecules: number[]; owners: number[] };
}

export interface RunSummaryResult {
  runId: string;
  batches: number;
  bytes: number;
  firstTick: number | null;
  lastTick: number | null;
  worldShape: number[];
  samplingInterval: number;
  seed: number;
  /** The run and tick this run was forked from (null when it was not). */
  forkedFrom: { runId: string; tick: number } | null;
  /** Version, commit, host and config hash the run was made with (null for runs recorded before they were kept). */
  provenance: {
    productVersion: string;
    gitCommit: string | null;
    host: string;
    configSha256: string;
    experiment: string | null;
    experimentCell: string | null;
  } | null;
}

export default class InspectStorage extends EvochoraCommand<StoredTickResult | RunSummaryResult | { runs: string[] }> {
  static override summary = 'Decode a stored tick (or summarise a run) straight from storage (no node needed).';
  static override description =
    "Reads the recorded batch files of a run, finds the chunk holding --tick and rebuilds that tick (snapshot + deltas). Without --tick it summarises the run; without --run it lists the runs. Corrupt or truncated files are reported with file name and offset. Reads the storage of the configuration's pipeline (the file system by default, S3 with a distributed config), or --storage-dir.";
  static override examples = [
    '<%= config.bin %> inspect storage',
    '<%= config.bin %> inspect storage --run 20261125-02594100-… --tick 120',
    '<%= config.bin %> inspect storage --run RUN --tick 120 --json',
  ];
  static override flags = {
    run: Flags.string({ description: 'Run id (a directory under the storage root).' }),
    tick: Flags.integer({ description: 'Sampled tick to decode.', min: 0 }),
    'data-dir': Flags.string({
      description: 'Data directory of the node (default from config: node.dataDir); runs are under <data-dir>/storage.',
    }),
    'storage-dir': Flags.string({ description: 'Storage root to read instead of <data-dir>/storage.' }),
    cells: Flags.integer({ description: 'Cells listed in the human summary.', default: 10 }),
  };

  async run(): Promise<StoredTickResult | RunSummaryResult | { runs: string[] }> {
    const { flags } = await this.parse(InspectStorage);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    // The storage of the configuration's pipeline (S3 with a distributed config), or --storage-dir.
    const backends = await storedRunBackends(config, {
      ...(flags['storage-dir'] !== undefined ? { storageDir: flags['storage-dir'] } : {}),
    });
    try {
      return await this.inspect(backends.storage, backends.storageLabel, flags);
    } finally {
      await backends.close();
    }
  }

  private async inspect(
    storage: BatchStorageReader,
    where: string,
    flags: { run?: string; tick?: number; cells: number },
  ): Promise<StoredTickResult | RunSummaryResult | { runs: string[] }> {
    if (!flags.run) {
      const runs = await storage.listRunIds();
      if (!this.jsonEnabled()) {
        if (runs.length === 0) this.log(`no runs under ${where}`);
        for (const r of runs) this.log(r);
      }
      return { runs };
    }
    const runId = flags.run;
    if (flags.tick === undefined) return this.summary(storage, runId);
    const tick = flags.tick;
    let meta;
    try {
      meta = await storage.readMetadata(runId);
    } catch (err) {
      if ((err as EvochoraError).code !== 'METADATA_NOT_FOUND') throw err;
      this.warnUser(`run ${runId} has no metadata file; world shape unknown`);
    }
    const { reconstructTick, ticksOf } = await loadTickReconstruction();
    for await (const stored of storage.readChunks(runId, tick, tick)) {
      const chunk = storage.decodeChunk(stored);
      if (!ticksOf(chunk).includes(tick)) continue;
      const t = reconstructTick(chunk, tick);
      const result: StoredTickResult = {
        runId,
        tick,
        storageKey: stored.key,
        chunk: {
          firstTick: stored.firstTick,
          lastTick: stored.lastTick,
          tickCount: stored.tickCount,
          offset: stored.offset,
        },
        sampleKind: t.sampleKind,
        worldShape: meta?.worldShape ?? [],
        totalOrganismsCreated: t.totalOrganismsCreated,
        organisms: t.organisms.map((o) => o.toJSON()),
        cells: {
          count: t.cells.flatIndices.length,
          flatIndices: Array.from(t.cells.flatIndices),
          molecules: Array.from(t.cells.molecules),
          owners: Array.from(t.cells.owners),
        },
      };
      if (!this.jsonEnabled()) this.printTick(result, flags.cells);
      return result;
    }
    throw new EvochoraError(CliErrorCode.TICK_NOT_STORED, `Tick ${tick} of run ${runId} is not stored.`, {
      exitCode: ExitCode.Failure,
      actions: [
        `See the stored range with \`evochora inspect storage --run ${runId}\`; with samplingInterval > 1 only every n-th tick is recorded.`,
      ],
      data: { runId, tick },
    });
  }

  private async summary(storage: BatchStorageReader, runId: string): Promise<RunSummaryResult> {
    const batches = await storage.listBatches(runId);
    let meta;
    try {
      meta = await storage.readMetadata(runId);
    } catch (err) {
      if ((err as EvochoraError).code !== 'METADATA_NOT_FOUND') throw err;
      this.warnUser(`run ${runId} has no metadata file`);
    }
    const result: RunSummaryResult = {
      runId,
      batches: batches.length,
      bytes: batches.reduce((s, b) => s + b.sizeBytes, 0),
      firstTick: batches[0]?.firstTick ?? null,
      lastTick: batches.at(-1)?.lastTick ?? null,
      worldShape: meta?.worldShape ?? [],
      samplingInterval: meta?.samplingInterval ?? 0,
      seed: Number(meta?.initialSeed ?? 0),
      forkedFrom: meta?.forkedFromRunId ? { runId: meta.forkedFromRunId, tick: Number(meta.forkedAtTick) } : null,
      provenance: meta?.provenance
        ? {
            productVersion: meta.provenance.productVersion ?? '',
            gitCommit: meta.provenance.gitCommit || null,
            host: meta.provenance.host ?? '',
            configSha256: meta.provenance.configSha256 ?? '',
            experiment: meta.provenance.experiment || null,
            experimentCell: meta.provenance.experimentCell || null,
          }
        : null,
    };
    if (!this.jsonEnabled()) {
      this.log(`run        ${runId}`);
      this.log(
        `world      ${result.worldShape.join('×') || '?'}   seed ${result.seed}   sampling every ${result.samplingInterval || '?'} tick(s)`,
      );
      this.log(`ticks      ${result.firstTick ?? '-'} .. ${result.lastTick ?? '-'}`);
      this.log(`batches    ${result.batches} files, ${result.bytes} bytes`);
      if (result.forkedFrom) this.log(`forked     from ${result.forkedFrom.runId} at tick ${result.forkedFrom.tick}`);
      const p = result.provenance;
      if (p)
        this.log(
          `made by    evochora ${p.productVersion}${p.gitCommit ? ` (${p.gitCommit.slice(0, 12)})` : ''} on ${p.host}, config sha256 ${p.configSha256.slice(0, 16)}…${p.experiment ? `, experiment ${p.experiment} cell ${p.experimentCell}` : ''}`,
        );
    }
    return result;
  }

  private printTick(r: StoredTickResult, cellsShown: number): void {
    const alive = r.organisms.filter((o) => !o.isDead);
    this.log(
      `run ${r.runId}  tick ${r.tick} (${r.sampleKind})  from ${r.storageKey} [chunk ${r.chunk.firstTick}..${r.chunk.lastTick}]`,
    );
    this.log(
      `world ${r.worldShape.join('×') || '?'}   occupied cells ${r.cells.count}   organisms ${alive.length} alive, ${r.organisms.length - alive.length} died this tick, ${r.totalOrganismsCreated} created so far`,
    );
    for (const o of r.organisms.slice(0, 20)) {
      const ip = (o.ip as { components?: number[] } | undefined)?.components?.join('|') ?? '';
      this.log(
        `  #${o.organismId ?? 0}${o.isDead ? ' (dead)' : ''}  energy ${o.energy ?? 0}  ip ${ip}  program ${o.programId ?? ''}`,
      );
    }
    if (r.organisms.length > 20) this.log(`  … ${r.organisms.length - 20} more (use --json)`);
    for (let i = 0; i < Math.min(cellsShown, r.cells.count); i++) {
      const m = r.cells.molecules[i]!;
      this.log(
        `  cell ${r.cells.flatIndices[i]}  type ${(m >>> 20) & 0xff} value ${(m << 12) >> 12} marker ${m >>> 28}  owner ${r.cells.owners[i]}`,
      );
    }
    if (r.cells.count > cellsShown) this.log(`  … ${r.cells.count - cellsShown} more cells (use --cells N or --json)`);
  }
}
