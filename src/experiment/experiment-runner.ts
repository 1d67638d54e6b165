/**
 * Runs an experiment's cells, each in a child process (`evochora experiment cell`), up to `parallel` at a time.
 * Children report progress as JSON lines on stdout; their state goes to ExperimentState as it happens, so a killed
 * experiment continues where it was (done cells are not run again, interrupted runs are resumed exactly). A child
 * stops gracefully when its parent goes away (its stdin closes), so no run is ever simulated twice at once.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CellSummary } from './experiment-cell.js';
import type { ExperimentCell, ExperimentPlan } from './experiment-plan.js';
import { ExperimentState, type CellRecord } from './experiment-state.js';

/** One line of a child's stdout. */
export type CellMessage =
  | {
      type: 'progress';
      runId: string;
      tick: number;
      resumable: boolean;
    }
  | { type: 'done'; summary: CellSummary }
  | { type: 'failed'; code: string; message: string };

export interface CellOutcome {
  readonly cell: ExperimentCell;
  readonly status: 'done' | 'failed' | 'skipped';
  /** Done before this invocation (not run again). */
  readonly reused: boolean;
  /** Continued from an interrupted run. */
  readonly resumed: boolean;
  readonly summary?: CellSummary;
  readonly error?: string;
}

export interface ExperimentProgress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly running: number;
  /** Ticks simulated over all cells (finished cells count whole) and the ticks the experiment needs. */
  readonly ticks: number;
  readonly ticksTotal: number;
}

export interface RunExperimentOptions {
  readonly dataDir: string;
  readonly parallel: number;
  /** The CLI entry the children run (bin/run.js). */
  readonly cliEntry: string;
  readonly onProgress?: (p: ExperimentProgress) => void;
  /** Aborting stops the running cells gracefully; what they stored is resumed next time. */
  readonly signal?: AbortSignal;
}

/** How long a new invocation waits for a cell's orphaned process (draining after a kill) before giving up on it. */
const ORPHAN_WAIT_MS = 60_000;

export async function runExperiment(plan: ExperimentPlan, options: RunExperimentOptions): Promise<CellOutcome[]> {
  const state = new ExperimentState(options.dataDir, plan);
  const outcomes = new Map<string, CellOutcome>();
  const ticksOf = new Map<string, number>();
  const queue: ExperimentCell[] = [];
  for (const cell of plan.cells) {
    const r = state.read(cell);
    if (r?.status === 'done' && r.summary) {
      outcomes.set(cell.id, { cell, status: 'done', reused: true, resumed: false, summary: r.summary });
      ticksOf.set(cell.id, plan.ticks);
    } else queue.push(cell);
  }
  let running = 0;
  const report = (): void => {
    const list = [...outcomes.values()];
    options.onProgress?.({
      total: plan.cells.length,
      done: list.filter((o) => o.status === 'done').length,
      failed: list.filter((o) => o.status === 'failed').length,
      running,
      ticks: [...ticksOf.values()].reduce((a, b) => a + b, 0),
      ticksTotal: plan.cells.length * plan.ticks,
    });
  };
  report();

  /** Waits for a process of a killed experiment that still runs the cell to stop (it does once it sees its parent gone). */
  const orphanGone = async (cell: ExperimentCell): Promise<boolean> => {
    const deadline = Date.now() + ORPHAN_WAIT_MS;
    while (state.runningPid(cell.id) !== undefined) {
      if (Date.now() > deadline || options.signal?.aborted) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };

  const runCell = async (cell: ExperimentCell): Promise<void> => {
    if (!(await orphanGone(cell))) {
      const error = `cell ${cell.id} is still being run by process ${state.runningPid(cell.id)} (of an earlier, killed invocation); run again once it has stopped`;
      outcomes.set(cell.id, { cell, status: 'failed', reused: false, resumed: false, error });
      return;
    }
    return runChild(cell);
  };

  const runChild = (cell: ExperimentCell): Promise<void> =>
    new Promise((resolveCell) => {
      const before = state.read(cell);
      const resumeRunId = before?.status === 'running' ? before.runId : undefined;
      const args = [
        options.cliEntry,
        'experiment',
        'cell',
        plan.file,
        '--cell',
        cell.id,
        '--data-dir',
        options.dataDir,
      ];
      if (resumeRunId) args.push('--resume', resumeRunId);
      const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let record: CellRecord = resumeRunId ? before! : { id: cell.id, label: cell.label, status: 'running' };
      if (!resumeRunId) state.write(record);
      let finalMessage: CellMessage | undefined;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        let m: CellMessage;
        try {
          m = JSON.parse(line) as CellMessage;
        } catch {
          return;
        }
        if (m.type === 'progress') {
          ticksOf.set(cell.id, m.tick);
          if (m.resumable && m.runId && record.runId !== m.runId) {
            record = { ...record, runId: m.runId };
            state.write(record);
          }
          report();
        } else finalMessage = m;
      });
      const onAbort = (): void => {
        child.stdin.end();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('close', (code) => {
        options.signal?.removeEventListener('abort', onAbort);
        running--;
        const resumed = resumeRunId !== undefined;
        if (finalMessage?.type === 'done') {
          const summary = finalMessage.summary;
          state.write({ id: cell.id, label: cell.label, status: 'done', runId: summary.runId, summary });
          outcomes.set(cell.id, { cell, status: 'done', reused: false, resumed, summary });
          ticksOf.set(cell.id, plan.ticks);
        } else if (options.signal?.aborted) {
          // Left as running: the next invocation resumes its run.
          outcomes.set(cell.id, { cell, status: 'skipped', reused: false, resumed, error: 'interrupted' });
        } else {
          const error =
            finalMessage?.type === 'failed'
              ? `${finalMessage.code}: ${finalMessage.message}`
              : `the cell's process exited with code ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`;
          state.write({ ...record, status: 'failed', error });
          outcomes.set(cell.id, { cell, status: 'failed', reused: false, resumed, error });
        }
        report();
        resolveCell();
      });
      running++;
      report();
    });

  const workers = Array.from({ length: Math.max(1, Math.min(options.parallel, queue.length)) }, async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const cell = queue.shift();
      if (!cell) return;
      await runCell(cell);
    }
  });
  await Promise.all(workers);
  for (const cell of queue)
    outcomes.set(cell.id, { cell, status: 'skipped', reused: false, resumed: false, error: 'interrupted' });
  return plan.cells.map((c) => outcomes.get(c.id)!);
}
