/**
 * The runs a data dir's nodes have simulated, and whether each ended cleanly: a run whose engine stopped (node
 * stop, pipeline stop, maxTicks) is ended; one whose node was killed or whose engine failed is not. It is how
 * `evochora node run --resume` finds "the run that was interrupted", and how a start names it. Written
 * atomically (temp file + rename); a missing or unreadable journal reads as empty.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface JournalRun {
  readonly runId: string;
  /** The SimulationEngine service that ran it. */
  readonly service: string;
  readonly startedAt: string;
  /** The last tick the node saw simulated. */
  readonly lastTick: number;
  /** When its engine stopped cleanly; null while running, or when it never did (interrupted). */
  readonly endedAt: string | null;
}

/** What the node sees of one engine service. */
export interface EngineObservation {
  readonly service: string;
  readonly runId: string;
  readonly tick: number;
  readonly state: string;
}

/** Runs kept in the journal: the newest ones (a run is a line; years of runs stay small). */
const KEEP_RUNS = 1000;

export class RunJournal {
  private runs: JournalRun[];
  private written: string;

  constructor(private readonly file: string) {
    this.runs = RunJournal.read(file);
    this.written = JSON.stringify(this.runs);
  }

  static read(file: string): JournalRun[] {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown };
      return Array.isArray(parsed.runs)
        ? (parsed.runs as JournalRun[]).filter((r) => typeof r?.runId === 'string')
        : [];
    } catch {
      return [];
    }
  }

  /** The newest run that did not end cleanly (none when every run ended or the journal is empty). */
  static interrupted(runs: readonly JournalRun[], except: readonly string[] = []): JournalRun | undefined {
    return runs
      .filter((r) => r.endedAt === null && !except.includes(r.runId))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  }

  list(): readonly JournalRun[] {
    return this.runs;
  }

  /** Takes what the node sees of its engines; writes the journal when that changed what it says. */
  observe(engines: readonly EngineObservation[], now = new Date()): void {
    for (const e of engines) {
      if (!e.runId) continue;
      const i = this.runs.findIndex((r) => r.runId === e.runId);
      const before = i >= 0 ? this.runs[i] : undefined;
      const running = e.state === 'RUNNING' || e.state === 'PAUSED';
      const ended =
        e.state === 'STOPPED' ? (before?.endedAt ?? now.toISOString()) : running ? null : (before?.endedAt ?? null);
      const run: JournalRun = {
        runId: e.runId,
        service: e.service,
        startedAt: before?.startedAt ?? now.toISOString(),
        lastTick: Math.max(before?.lastTick ?? 0, e.tick),
        endedAt: ended,
      };
      if (i >= 0) this.runs[i] = run;
      else this.runs.push(run);
    }
    if (this.runs.length > KEEP_RUNS) this.runs = this.runs.slice(-KEEP_RUNS);
    this.flush();
  }

  private flush(): void {
    const text = JSON.stringify(this.runs);
    if (text === this.written) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ runs: this.runs }, null, 1));
    renameSync(tmp, this.file);
    this.written = text;
  }
}
