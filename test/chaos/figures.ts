/**
 * Figures of the chaos and fuzz suite: each scenario records what it did (inputs, faults, crashes, losses) as one
 * JSON line in test-output/chaos-figures.jsonl; `scripts/chaos-report.mjs` prints them as a table (and with
 * `--report` writes it into docs/reliability.md). CHAOS_SIZE=nightly runs every scenario bigger.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../helpers/seeded-random.js';

export const SIZE: 'ci' | 'nightly' = process.env.CHAOS_SIZE === 'nightly' ? 'nightly' : 'ci';

/** `ci` in the CI run, `nightly` with CHAOS_SIZE=nightly. */
export const sized = (ci: number, nightly: number): number => (SIZE === 'nightly' ? nightly : ci);

export interface ScenarioFigures {
  readonly scenario: string;
  /** What was thrown at the system: kill points, requests, programs, files, … */
  readonly inputs: number;
  readonly inputKind: string;
  readonly faults?: number;
  /** Uncaught errors, hangs, 5xx answers, daemon deaths: must be 0. */
  readonly crashes: number;
  /** Ticks (or batches) lost beyond the documented window: must be 0. */
  readonly lost: number;
  readonly duplicates?: number;
  readonly seconds: number;
  readonly notes?: string;
}

export function recordFigures(f: ScenarioFigures): void {
  const dir = join(process.cwd(), 'test-output');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'chaos-figures.jsonl'),
    `${JSON.stringify({ ...f, size: SIZE, at: new Date().toISOString() })}\n`,
  );
}

/** The suite's random inputs: reproducible, CHAOS_SEED picks another sequence. */
export function chaosRandom(seed = Number(process.env.CHAOS_SEED ?? 1)): () => number {
  return seededRandom(seed);
}
