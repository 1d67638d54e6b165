/**
 * One cell of an experiment, run in this process: the node's pipeline (from the experiment's configuration) without
 * the HTTP server, its simulation engine set to the cell's seed and option values and stopped at the experiment's
 * tick. It records like `node run` does, into the data dir's storage, so the run shows up in the visualizer and the
 * analytics of a node on that data dir. The summary comes from the engine's own counts (exact, every tick).
 */
import type { Logger } from 'pino';
import { loadConfig } from '../config/loader.js';
import type { EvochoraConfig } from '../config/config-schema.js';
import type { HoconValue } from '../config/hocon.js';
import { EvochoraError } from '../errors.js';
import { loadRegistry, loadServiceManager, type SimulationEngine } from '../pipeline/index.js';
import { ExperimentErrorCode } from './error-codes.js';
import type { ExperimentCell, ExperimentPlan } from './experiment-plan.js';

/** What the summary table shows of a finished cell. */
export interface CellSummary {
  readonly runId: string;
  readonly finalTick: number;
  readonly births: number;
  readonly deaths: number;
  readonly peakPopulation: number;
  /** The first tick with no organism alive, null when the population never died out. */
  readonly extinctionTick: number | null;
  readonly finalPopulation: number;
  readonly genomesAlive: number;
  readonly genomeShannon: number;
  readonly seconds: number;
}

export interface CellProgress {
  readonly runId: string;
  readonly tick: number;
  /** True once the run's metadata is stored: from then on the run can be resumed. */
  readonly resumable: boolean;
}

const POLL_MS = 250;

function setPath(target: Record<string, unknown>, path: string, value: HoconValue): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = structuredClone(value);
}

/** The cell's configuration: the experiment's, with the engine set to the cell (and to the run it resumes). */
export function cellConfig(
  plan: ExperimentPlan,
  cell: ExperimentCell,
  dataDir: string,
  resumeRunId?: string,
): { config: EvochoraConfig; engine: string } {
  const { config } = loadConfig({
    ...(plan.config !== undefined ? { configFile: plan.config } : {}),
    overrides: [...plan.sets, `node.dataDir=${dataDir}`],
  });
  const engines = Object.entries(config.pipeline.services).filter(([, d]) => d.className === 'SimulationEngine');
  if (engines.length !== 1)
    throw new EvochoraError(
      ExperimentErrorCode.EXPERIMENT_INVALID,
      `${plan.file}: the configuration has ${engines.length} SimulationEngine services; an experiment needs exactly one.`,
    );
  const [engine, def] = engines[0]!;
  const options = structuredClone(def.options ?? {}) as Record<string, unknown>;
  options.seed = cell.seed;
  options.maxTicks = plan.ticks;
  options.experiment = { name: plan.name, cell: cell.id };
  for (const [path, value] of Object.entries(cell.values)) setPath(options, path, value);
  if (resumeRunId) options.resume = { runId: resumeRunId };
  const services = { ...config.pipeline.services, [engine]: { ...def, options } };
  return { config: { ...config, pipeline: { ...config.pipeline, services, autoStart: true } }, engine };
}

export async function runExperimentCell(
  plan: ExperimentPlan,
  cell: ExperimentCell,
  options: {
    readonly dataDir: string;
    readonly logger: Logger;
    readonly resumeRunId?: string;
    readonly onProgress?: (p: CellProgress) => void;
    /** Aborting stops the cell gracefully (what is simulated is stored); the promise then rejects. */
    readonly signal?: AbortSignal;
  },
): Promise<CellSummary> {
  const started = performance.now();
  const { config, engine } = cellConfig(plan, cell, options.dataDir, options.resumeRunId);
  const [{ ServiceManager }, { defaultRegistry }] = await Promise.all([loadServiceManager(), loadRegistry()]);
  const sm = await ServiceManager.create({ config, registry: defaultRegistry(), logger: options.logger });
  let failure: Error | undefined;
  try {
    await sm.startAll();
    const instance = sm.instanceOf(engine) as SimulationEngine;
    const resumable = (): boolean =>
      sm.serviceNames().some((n) => Number(sm.serviceStatus(n).metrics.metadata_written ?? 0) > 0);
    for (;;) {
      const state = sm.stateOf(engine);
      const now = instance.metrics();
      options.onProgress?.({
        runId: instance.simulationRunId,
        tick: Number(now.current_tick ?? 0),
        resumable: instance.simulationRunId !== '' && (options.resumeRunId !== undefined || resumable()),
      });
      if (state === 'STOPPED') break;
      if (state === 'ERROR') {
        const why = sm.serviceStatus(engine).errors.at(-1) ?? 'the simulation engine failed';
        failure = new EvochoraError(
          ExperimentErrorCode.EXPERIMENT_CELL_FAILED,
          `cell ${cell.id} (${cell.label}): ${why}`,
        );
        break;
      }
      if (options.signal?.aborted) {
        failure = new EvochoraError(ExperimentErrorCode.EXPERIMENT_CELL_FAILED, `cell ${cell.id} was stopped`);
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const m = instance.metrics();
    if (failure) throw failure;
    const summary: CellSummary = {
      runId: instance.simulationRunId,
      finalTick: Number(m.current_tick),
      births: Number(m.births_total),
      deaths: Number(m.deaths_total),
      peakPopulation: Number(m.peak_organisms_alive),
      extinctionTick: Number(m.extinction_tick) >= 0 ? Number(m.extinction_tick) : null,
      finalPopulation: Number(m.organisms_alive),
      genomesAlive: Number(m.genomes_alive),
      genomeShannon: Number(m.genome_shannon),
      seconds: 0,
    };
    // Every tick written before the summary counts: the drain stores what is still queued.
    await sm.shutdown();
    return { ...summary, seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    await sm.shutdown().catch(() => {});
  }
}
