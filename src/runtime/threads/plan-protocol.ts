/**
 * What a simulation's plan pool and its workers share (runtime/threads): the layout of the control words and the
 * data a worker starts with. Planning an organism reads the world and the organism's own block and writes only
 * that block (and idempotent decode watch marks), and nothing a tick's first wave executes changes what planning
 * reads; so organisms can be planned on any thread, in any order, with the same result. A job is one tick's
 * planning: the organism list in chunks, each claimed by one thread (`CONTROL_NEXT`), planned, and flagged; the
 * owning thread executes the chunks in list order as they are flagged, as a single thread would.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LabelMatchingOptions, OrganismLimits, QuirkMode, ThermodynamicsOptions } from '../config.js';
import type { WorldBuffers } from '../world.js';

/** Below this many organisms per thread a tick's planning is too short to gain from a hand-off (bench:runtime). */
export const DEFAULT_MIN_ORGANISMS_PER_THREAD = 256;

/** Control word: the job number (a worker takes part when it moves; STOP asks workers to end). */
export const CONTROL_JOB = 0;
/** Control words of the job: the world's decode-cache epoch and generation, the organisms listed, the chunk size. */
export const CONTROL_CODE_EPOCH = 1;
export const CONTROL_CODE_GENERATION = 2;
export const CONTROL_COUNT = 3;
export const CONTROL_CHUNK = 4;
/** Control word (a cache line of its own): the next chunk to claim (`Atomics.add`; every thread claims). */
export const CONTROL_NEXT = 16;
/** Each worker's words start at (index + 2) * CONTROL_STRIDE, on a cache line of their own. */
export const CONTROL_STRIDE = 16;
/** A worker's words: the last job it finished claiming for, and READY / FAILED flags. */
export const WORKER_DONE = 0;
export const WORKER_READY = 1;
export const WORKER_FAILED = 2;
/** The job number that stops the workers. */
export const STOP = -1;

/** Control words for `workers` workers. */
export function controlWords(workers: number): number {
  return (workers + 2) * CONTROL_STRIDE;
}

/** The first control word of worker `index`. */
export function workerWords(index: number): number {
  return (index + 2) * CONTROL_STRIDE;
}

/** What a plan worker starts with (its `workerData`). */
export interface PlanWorkerData {
  readonly index: number;
  readonly shape: number[];
  readonly toroidal: boolean;
  readonly world: WorldBuffers;
  readonly thermodynamics: ThermodynamicsOptions;
  readonly limits: OrganismLimits;
  readonly quirks: QuirkMode;
  readonly labelMatching: LabelMatchingOptions;
  readonly blockBytes: number;
  readonly blocksPerPage: number;
  readonly control: SharedArrayBuffer;
  /** Where new organism-memory pages and larger block lists arrive (read between jobs, synchronously). */
  readonly port: MessagePort;
}

/**
 * Messages on a worker's port: a new page of organism memory, or a new (larger) block list with its chunk flags
 * (a chunk's flag holds the job that planned it).
 */
export type PlanPoolMessage =
  | { readonly kind: 'page'; readonly index: number; readonly page: SharedArrayBuffer }
  | { readonly kind: 'list'; readonly list: SharedArrayBuffer; readonly flags: SharedArrayBuffer };

/** A worker's failure, as it writes it to its port before raising FAILED. */
export interface PlanWorkerFailure {
  readonly kind: 'failed';
  readonly message: string;
}
