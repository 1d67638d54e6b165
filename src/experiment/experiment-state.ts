/**
 * What an experiment has done so far, one small JSON file per cell under
 * `<dataDir>/experiments/<name>/cells/<id>.json` (written atomically): running (with its run once that can be
 * resumed), done (with its summary) or failed. Running the experiment again skips done cells, resumes running
 * ones and retries failed ones; a cell whose definition changed in the file starts over.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CellSummary } from './experiment-cell.js';
import type { ExperimentCell, ExperimentPlan } from './experiment-plan.js';

export interface CellRecord {
  readonly id: string;
  readonly label: string;
  readonly status: 'running' | 'done' | 'failed';
  /** The cell's run, once its metadata is stored (it can be resumed from then on). */
  readonly runId?: string;
  readonly summary?: CellSummary;
  readonly error?: string;
}

export class ExperimentState {
  readonly dir: string;

  constructor(dataDir: string, plan: ExperimentPlan) {
    this.dir = join(dataDir, 'experiments', plan.name);
    mkdirSync(join(this.dir, 'cells'), { recursive: true });
  }

  private file(id: string): string {
    return join(this.dir, 'cells', `${id}.json`);
  }

  /** The cell's record, or undefined when there is none or it belongs to another definition of the cell. */
  read(cell: ExperimentCell): CellRecord | undefined {
    try {
      const r = JSON.parse(readFileSync(this.file(cell.id), 'utf8')) as CellRecord;
      return r.id === cell.id && r.label === cell.label ? r : undefined;
    } catch {
      return undefined;
    }
  }

  private pidFile(id: string): string {
    return join(this.dir, 'cells', `${id}.pid`);
  }

  /** Marks the cell as run by this process (`experiment cell`), until `release`. */
  claim(id: string): void {
    writeFileSync(this.pidFile(id), String(process.pid));
  }

  release(id: string): void {
    rmSync(this.pidFile(id), { force: true });
  }

  /** The pid of a live process that still runs the cell (an orphan of a killed experiment), if any. */
  runningPid(id: string): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile(id), 'utf8'));
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  write(record: CellRecord): void {
    const f = this.file(record.id);
    writeFileSync(`${f}.tmp`, `${JSON.stringify(record, null, 1)}\n`);
    renameSync(`${f}.tmp`, f);
  }
}
