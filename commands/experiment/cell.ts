import { join } from 'node:path';
import { Args, Flags } from '../../src/cli/oclif.js';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { errorEnvelope } from '../../src/cli/envelope.js';
import { createProcessLogger } from '../../src/logging/logger.js';
import { runExperimentCell } from '../../src/experiment/experiment-cell.js';
import { ExperimentState } from '../../src/experiment/experiment-state.js';
import { readExperimentPlan } from '../../src/experiment/experiment-plan.js';
import type { CellMessage } from '../../src/experiment/experiment-runner.js';
import { EvochoraError } from '../../src/errors.js';
import { ExperimentErrorCode } from '../../src/experiment/error-codes.js';

/** One cell of an experiment, as `experiment run` starts it: JSON lines on stdout, the pipeline's log in a file. */
export default class ExperimentCell extends EvochoraCommand<void> {
  static override hidden = true;
  static override summary = 'Internal: run one cell of an experiment (started by `experiment run`).';
  static override args = { file: Args.string({ required: true }) };
  static override flags = {
    ...dataDirFlag,
    cell: Flags.string({ required: true, description: 'Cell id (c001, …).' }),
    resume: Flags.string({ description: 'Continue this run of the cell.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExperimentCell);
    const say = (m: CellMessage): void => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
    };
    const abort = new AbortController();
    // The parent went away (its end of stdin closed) or asked us to stop: stop gracefully, storing what ran.
    process.stdin.on('end', () => abort.abort());
    process.stdin.on('error', () => abort.abort());
    process.stdin.resume();
    process.stdout.on('error', () => abort.abort());
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    try {
      const plan = readExperimentPlan(args.file);
      const cell = plan.cells.find((c) => c.id === flags.cell);
      if (!cell) throw new EvochoraError(ExperimentErrorCode.EXPERIMENT_INVALID, `${plan.file}: no cell ${flags.cell}`);
      const dataDir = this.resolveConfig(flags).config.node.dataDir;
      const state = new ExperimentState(dataDir, plan);
      state.claim(cell.id);
      process.once('exit', () => state.release(cell.id));
      const logs = await createProcessLogger(
        { level: 'info', levels: {}, format: 'json' },
        { kind: 'file', path: join(dataDir, 'experiments', plan.name, 'logs', `${cell.id}.log`) },
      );
      let last = 0;
      const summary = await runExperimentCell(plan, cell, {
        dataDir,
        logger: logs.root,
        ...(flags.resume ? { resumeRunId: flags.resume } : {}),
        signal: abort.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < 500) return;
          last = now;
          say({ type: 'progress', ...p });
        },
      });
      logs.flush();
      say({ type: 'done', summary });
    } catch (err) {
      const env = errorEnvelope(err);
      say({ type: 'failed', code: env.code, message: env.message });
      process.exitCode = 1;
    } finally {
      process.stdin.pause();
    }
  }
}
