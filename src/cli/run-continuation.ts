/**
 * `node run --resume [RUN]` and `node run --fork RUN@TICK [--seed S] [--set runtime.…]` as configuration
 * overrides of the SimulationEngine service: `resume.runId`, or `fork.{runId,tick,seed,runtime}`. The node itself
 * only sees ordinary options, so a detached node and a config file can say the same.
 */
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { EvochoraConfig } from '../config/config-schema.js';
import { nodePaths } from '../node/node-paths.js';
import { RunJournal } from '../node/run-journal.js';
import { CliErrorCode } from './error-codes.js';

/** `--resume` given without a run. */
export const LATEST_RUN = 'latest';

function usage(message: string, actions: string[] = []): EvochoraError {
  return new EvochoraError(CliErrorCode.USAGE, message, { exitCode: ExitCode.Usage, actions });
}

/** An `--resume` followed by nothing or by another flag means the newest interrupted run. */
export function withOptionalResumeValue(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]!);
    if (argv[i] === '--resume' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('-'))) out.push(LATEST_RUN);
  }
  return out;
}

function engineServices(config: EvochoraConfig): string[] {
  return Object.entries(config.pipeline.services)
    .filter(([, d]) => d.className === 'SimulationEngine')
    .map(([name]) => name);
}

function theEngine(config: EvochoraConfig, flag: string, preferred?: string): string {
  const engines = engineServices(config);
  if (preferred && engines.includes(preferred)) return preferred;
  if (engines.length === 1) return engines[0]!;
  throw usage(
    engines.length === 0
      ? `${flag} needs a SimulationEngine service, and this configuration has none.`
      : `${flag}: this configuration has several SimulationEngine services (${engines.join(', ')}).`,
    engines.length === 0
      ? ['Use the built-in configuration or one with a simulation-engine service.']
      : ['Set the run on one of them: --set pipeline.services.<name>.options.resume.runId=RUN'],
  );
}

/** `--resume` as an override: RUN, or (LATEST_RUN) the newest run in the data dir's journal that did not end cleanly. */
export function resumeOverride(config: EvochoraConfig, run: string): { set: string; runId: string } {
  let runId = run;
  let service: string | undefined;
  if (run === LATEST_RUN) {
    const journal = nodePaths(config.node.dataDir).runJournal;
    const runs = RunJournal.read(journal);
    const found = RunJournal.interrupted(runs);
    if (!found)
      throw new EvochoraError(
        CliErrorCode.NO_INTERRUPTED_RUN,
        runs.length === 0
          ? `No run to resume: ${journal} lists no runs (this data dir has not simulated yet).`
          : `No run to resume: all ${runs.length} runs in ${journal} ended cleanly.`,
        {
          exitCode: ExitCode.Usage,
          actions: ['Name a stored run: `evochora node run --resume RUN` (`evochora inspect storage` lists them).'],
        },
      );
    runId = found.runId;
    service = found.service;
  }
  const engine = theEngine(config, '--resume', service);
  return { set: `pipeline.services.${engine}.options.resume.runId=${runId}`, runId };
}

/** `--fork RUN@TICK`, `--seed` and the `--set runtime.…` changes as overrides of the engine's `fork` options. */
export function forkOverrides(
  config: EvochoraConfig,
  spec: string,
  seed: string | undefined,
  runtimeSets: readonly string[],
): { sets: string[]; runId: string; tick: number } {
  const m = /^(.+)@(\d+)$/.exec(spec);
  if (!m)
    throw usage(`--fork wants RUN@TICK (a stored run and one of its ticks), not "${spec}".`, [
      'For example: evochora node run --fork 20261205-06000000-…@120000',
    ]);
  const [, runId, tickText] = m;
  if (seed !== undefined && !/^-?\d+$/.test(seed)) throw usage(`--seed wants an integer, not "${seed}".`);
  const engine = theEngine(config, '--fork');
  const base = `pipeline.services.${engine}.options.fork`;
  const sets = [`${base}.runId=${runId}`, `${base}.tick=${tickText}`];
  if (seed !== undefined) sets.push(`${base}.seed=${seed}`);
  for (const s of runtimeSets) sets.push(`${base}.${s}`);
  return { sets, runId: runId!, tick: Number(tickText) };
}

/** Splits `--set` values into the `runtime.…` ones (changes for a fork) and the others. */
export function splitRuntimeSets(sets: readonly string[]): { runtime: string[]; other: string[] } {
  const runtime: string[] = [];
  const other: string[] = [];
  for (const s of sets) (s.startsWith('runtime.') ? runtime : other).push(s);
  return { runtime, other };
}
