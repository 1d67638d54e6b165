/**
 * Removing recorded runs (`evochora cleanup`), for every storage and index engine: a run's size and newest write,
 * and a removal that first takes the run out of every listing, then deletes it, so a crash midway never leaves a
 * half-deleted run visible. A removal cut short stays hidden; the next cleanup finishes it.
 */

/** What a run occupies in storage. */
export interface RunFootprint {
  /** Bytes of its batch files, metadata and analytics. */
  readonly bytes: number;
  /** Newest write (ms since the epoch); a run written to lately may still be recording. */
  readonly lastWriteMs: number;
}

export interface RunRemovalStorage {
  runFootprint(runId: string): Promise<RunFootprint>;
  /** Takes the run out of every listing (one rename or marker); its data stays until deleteHiddenRun. */
  hideRun(runId: string): Promise<void>;
  /** Deletes all a hidden run stored. */
  deleteHiddenRun(runId: string): Promise<void>;
  /** Runs hidden and not deleted yet (a removal cut short). */
  hiddenRuns(): Promise<string[]>;
}

export interface RunRemovalIndex {
  /** Bytes the run's index occupies (0 when it has none). */
  runIndexBytes(runId: string): Promise<number>;
  /** Deletes the run's index so that no reader sees part of it. */
  removeRunIndex(runId: string): Promise<void>;
  finishInterruptedRemovals?(): Promise<void>;
}

export function isRunRemovalStorage(x: unknown): x is RunRemovalStorage {
  const s = x as Partial<RunRemovalStorage> | undefined;
  return typeof s?.hideRun === 'function' && typeof s.deleteHiddenRun === 'function';
}

export function isRunRemovalIndex(x: unknown): x is RunRemovalIndex {
  const s = x as Partial<RunRemovalIndex> | undefined;
  return typeof s?.removeRunIndex === 'function' && typeof s.runIndexBytes === 'function';
}
