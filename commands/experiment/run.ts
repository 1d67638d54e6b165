import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { Args, Flags } from '../../src/cli/oclif.js';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { ExitCode } from '../../src/exit-codes.js';
import { readExperimentPlan } from '../../src/experiment/experiment-plan.js';
import { runExperiment, type CellOutcome, type ExperimentProgress } from '../../src/experiment/experiment-runner.js';
import { CLI_ENTRY } from '../../src/version.js';

export interface ExperimentRow {
  cell: string;
  label: string;
  seed: number;
  values: Record<string, unknown>;
  status: CellOutcome['status'];
  /** Done by an earlier invocation (not run again) / continued from an interrupted run. */
  reused: boolean;
  resumed: boolean;
  runId: string | null;
  finalTick: number | null;
  births: number | null;
  deaths: number | null;
  peakPopulation: number | null;
  extinctionTick: number | null;
  finalPopulation: number | null;
  genomesAlive: number | null;
  genomeShannon: number | null;
  seconds: number | null;
  error: string | null;
}

export interface ExperimentRunResult {
  experiment: string;
  file: string;
  dataDir: string;
  ticks: number;
  cells: ExperimentRow[];
}

const COLUMNS: Array<[keyof ExperimentRow, string]> = [
  ['cell', 'cell'],
  ['label', 'cell values'],
  ['status', 'status'],
  ['births', 'births'],
  ['peakPopulation', 'peak pop'],
  ['extinctionTick', 'extinct at'],
  ['finalPopulation', 'final pop'],
  ['genomesAlive', 'genomes'],
  ['genomeShannon', 'shannon'],
  ['runId', 'run'],
];

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export default class ExperimentRun extends EvochoraCommand<ExperimentRunResult> {
  static override summary =
    'Run every cell of an experiment (seeds × option values) as a recorded run, then summarise.';
  static override description = `FILE is HOCON:
  name  = "energy-sweep"      # letters, digits, . _ -
  ticks = 20000               # every run stops after this tick
  seeds = [1, 2, 3]
  grid  = [ { option = "runtime.organism.maxEnergy", values = [20000, 50000] } ]   # simulation-engine options
  config = "my-node.conf"     # optional, relative to FILE (default: built-in / ./config/evochora.conf)
  set   = [ "pipeline.services.simulation-engine.options.environment.shape = [128, 128]" ]   # optional

Each cell (every seed with every combination of values) is a run recorded like \`node run\` records, into the data dir's storage, so a node on that data dir shows it in the visualizer and analyzer. Cells run in parallel child processes (--parallel). The experiment's state lives in <dataDir>/experiments/<name>/: run the command again after a kill or Ctrl+C and finished cells are not run again, interrupted runs are resumed exactly, failed ones are retried. The summary has per run: births, peak population, extinction tick, final population, distinct genomes and their Shannon index; as a table, --json or --csv FILE. Exit 0 when every cell finished, 1 otherwise.`;
  static override examples = [
    '<%= config.bin %> experiment run experiments/energy-sweep.conf',
    '<%= config.bin %> experiment run sweep.conf --parallel 4 --csv summary.csv',
    '<%= config.bin %> experiment run sweep.conf --json --data-dir /data/evo',
  ];
  static override args = {
    file: Args.string({ description: 'The experiment file (HOCON).', required: true }),
  };
  static override flags = {
    ...dataDirFlag,
    parallel: Flags.integer({
      description: 'Cells run at once (default: half the CPU cores, at least 1; each run uses about two).',
      min: 1,
      max: 256,
    }),
    csv: Flags.string({ description: 'Also write the summary as CSV to this file.' }),
  };

  async run(): Promise<ExperimentRunResult> {
    const { args, flags } = await this.parse(ExperimentRun);
    const plan = readExperimentPlan(args.file);
    const dataDir = this.resolveConfig(flags).config.node.dataDir;
    const parallel = flags.parallel ?? Math.max(1, Math.floor(availableParallelism() / 2));
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const started = Date.now();
    let outcomes: CellOutcome[];
    try {
      if (!this.jsonEnabled())
        process.stderr.write(
          `experiment ${plan.name}: ${plan.cells.length} cells × ${plan.ticks} ticks, ${parallel} at a time, state in ${dataDir}/experiments/${plan.name}\n`,
        );
      outcomes = await runExperiment(plan, {
        dataDir,
        parallel,
        cliEntry: CLI_ENTRY,
        onProgress: this.progressLine(started),
        signal: abort.signal,
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const cells: ExperimentRow[] = outcomes.map((o) => ({
      cell: o.cell.id,
      label: o.cell.label,
      seed: o.cell.seed,
      values: { ...o.cell.values },
      status: o.status,
      reused: o.reused,
      resumed: o.resumed,
      runId: o.summary?.runId ?? null,
      finalTick: o.summary?.finalTick ?? null,
      births: o.summary?.births ?? null,
      deaths: o.summary?.deaths ?? null,
      peakPopulation: o.summary?.peakPopulation ?? null,
      extinctionTick: o.summary?.extinctionTick ?? null,
      finalPopulation: o.summary?.finalPopulation ?? null,
      genomesAlive: o.summary?.genomesAlive ?? null,
      genomeShannon: o.summary?.genomeShannon ?? null,
      seconds: o.summary?.seconds ?? null,
      error: o.error ?? null,
    }));
    const result: ExperimentRunResult = { experiment: plan.name, file: plan.file, dataDir, ticks: plan.ticks, cells };
    if (flags.csv) {
      const keys = Object.keys(cells[0] ?? {}) as Array<keyof ExperimentRow>;
      const lines = [keys.join(','), ...cells.map((c) => keys.map((k) => csvField(c[k])).join(','))];
      writeFileSync(flags.csv, `${lines.join('\n')}\n`);
    }
    if (cells.some((c) => c.status !== 'done')) this.exitStatus = ExitCode.Failure;
    if (!this.jsonEnabled()) this.printTable(result, abort.signal.aborted);
    return result;
  }

  private progressLine(started: number): (p: ExperimentProgress) => void {
    let last = 0;
    return (p) => {
      if (this.jsonEnabled() || !process.stderr.isTTY) return;
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const share = p.ticks / Math.max(1, p.ticksTotal);
      const seconds = (now - started) / 1000;
      const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
      process.stderr.write(
        `\rcells ${p.done}/${p.total} done, ${p.running} running${p.failed ? `, ${p.failed} failed` : ''} · ${(share * 100).toFixed(1)}% of all ticks · ETA ${eta.toFixed(0)} s   `,
      );
    };
  }

  private printTable(r: ExperimentRunResult, interrupted: boolean): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
    const rows = r.cells.map((c) => COLUMNS.map(([k]) => (c[k] === null ? '-' : String(c[k]))));
    const widths = COLUMNS.map(([, h], i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cols: string[]): string =>
      cols
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    this.log(line(COLUMNS.map(([, h]) => h)));
    for (const row of rows) this.log(line(row));
    for (const c of r.cells) if (c.status === 'failed') this.log(`${c.cell} failed: ${c.error}`);
    const done = r.cells.filter((c) => c.status === 'done').length;
    this.log(
      `${done}/${r.cells.length} cells done${interrupted ? ' (interrupted: run the same command again to continue)' : ''}; runs are in ${r.dataDir}`,
    );
  }
}
