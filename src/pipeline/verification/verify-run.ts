/**
 * Proves a stored run whole (what `evochora verify` runs): every batch file decompresses with its checksums
 * (zstd checks each frame's content checksum as it reads), every chunk's samples are the ticks its header and
 * file name announce at the run's sampling interval, the chunks follow each other without gap or overlap, the
 * index and the analytics (where the run has them) cover every stored batch, and, with `replay`, the runtime
 * re-simulates from each snapshot to the next one and reaches the same state (state hash) as stored there.
 * Problems are collected, not thrown: one damaged file does not hide the next.
 */
import type { BatchStorageReader, StoredChunk } from '../api/batch-storage.js';
import { withTransientReader, type IndexDatabase } from '../api/index-database.js';
import type { AnalyticsReader } from '../api/analytics-store.js';
import { sampledTicksOfEncoded } from '../contracts/tick-reconstruction.js';
import { TickData } from '../contracts/index.js';
import { eachField } from '../contracts/wire-walk.js';
import { columnsToArrays } from '../contracts/columns.js';
import { isBatchIndexed } from '../services/indexers/index-operations.js';
import { analyzedBatchKeys } from '../analytics/analytics-operations.js';
import { simulationFromSnapshot, snapshotExtras } from '../engine/snapshot-extras.js';
import { stateHash, type PluginConfig, type Simulation } from '../../runtime/index.js';
import { loadUserPlugins } from '../engine/user-plugins.js';

/** What a problem concerns. */
export type VerificationProblemKind =
  'metadata' | 'file' | 'chunk' | 'gap' | 'overlap' | 'index' | 'analytics' | 'replay';

export interface VerificationProblem {
  readonly kind: VerificationProblemKind;
  readonly message: string;
  /** The batch file, when the problem is in or about one. */
  readonly file?: string;
  /** Offset in the file's decompressed stream (a corrupt file). */
  readonly offset?: number;
  /** The first tick concerned. */
  readonly tick?: number;
}

export interface VerificationReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly batches: number;
  readonly chunks: number;
  /** Sampled ticks found in storage. */
  readonly ticks: number;
  readonly firstTick: number | null;
  readonly lastTick: number | null;
  readonly samplingInterval: number;
  /** Compressed bytes of the batch files read. */
  readonly bytes: number;
  /** Whether an index / analytics of the run were found and checked. */
  readonly indexChecked: boolean;
  readonly analyticsChecked: boolean;
  /** Snapshots re-simulated to the next one (with replay). */
  readonly replayedSnapshots: number;
  readonly replayedTicks: number;
  readonly problems: readonly VerificationProblem[];
}

export interface VerifyOptions {
  /** The index to check, when the run should have one. */
  readonly index?: IndexDatabase;
  /** The analytics to check (checked only when the run has any). */
  readonly analytics?: AnalyticsReader;
  /** Re-simulate from every snapshot to the next. */
  readonly replay?: boolean;
  /** After each batch: batches done of total, ticks verified so far. */
  readonly onProgress?: (done: number, total: number, ticks: number) => void;
  readonly signal?: AbortSignal;
}

/** At most this many problems are listed; the count goes on. */
const MAX_LISTED = 1000;

export async function verifyRun(
  storage: BatchStorageReader,
  runId: string,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const problems: VerificationProblem[] = [];
  let problemCount = 0;
  const problem = (p: VerificationProblem): void => {
    problemCount++;
    if (problems.length < MAX_LISTED) problems.push(p);
  };
  const batches = await storage.listBatches(runId);
  let interval = 1;
  try {
    const meta = await storage.readMetadata(runId);
    interval = meta.samplingInterval || 1;
    if (options.replay) {
      // The run's user plugins, so its snapshots restore (a fork's changed plugins are in its own config).
      const config = JSON.parse(Buffer.from(meta.resolvedConfigJson).toString('utf8')) as {
        runtime?: { plugins?: PluginConfig[] };
      };
      await loadUserPlugins(config.runtime?.plugins ?? []).catch((err: unknown) =>
        problem({ kind: 'replay', message: (err as Error).message }),
      );
    }
  } catch (err) {
    problem({ kind: 'metadata', message: `the run's metadata cannot be read: ${(err as Error).message}` });
  }

  let chunks = 0;
  let ticks = 0;
  let bytes = 0;
  let expected: number | undefined;
  let replayed = 0;
  let replayedTicks = 0;
  /** The previous chunk's snapshot, for replay: a simulation restored from it. */
  let previousSnapshot: { tick: number; file: string } | undefined;
  let previousSim: Simulation | undefined;
  let done = 0;
  /** The checks of one chunk: its samples, continuity with the chunk before, and with --replay its snapshot. */
  const checkChunk = (c: StoredChunk, file: string): void => {
    chunks++;
    let sampled: readonly number[];
    try {
      sampled = sampledTicksOfEncoded(c.data);
    } catch (err) {
      problem({ kind: 'chunk', file, offset: c.offset, tick: c.firstTick, message: (err as Error).message });
      return;
    }
    ticks += sampled.length;
    checkSamples(c, sampled, interval, file, problem);
    const first = sampled[0] ?? c.firstTick;
    if (expected !== undefined && first > expected)
      problem({
        kind: 'gap',
        file,
        tick: expected,
        message: `ticks ${expected}..${first - interval} are not stored (the previous chunk ends at ${expected - interval})`,
      });
    else if (expected !== undefined && first < expected)
      problem({
        kind: 'overlap',
        file,
        tick: first,
        message: `the chunk starting at tick ${first} overlaps the previous one, which ends at ${expected - interval}`,
      });
    const contiguous = expected === undefined || first === expected;
    expected = (sampled.at(-1) ?? c.lastTick) + interval;
    if (options.replay) {
      const r = replayTo(c, file, contiguous ? previousSim : undefined, previousSnapshot, problem);
      if (r.replayedTicks > 0) {
        replayed++;
        replayedTicks += r.replayedTicks;
      }
      previousSim = r.sim;
      previousSnapshot = r.sim ? { tick: r.sim.tick, file } : undefined;
    }
  };

  for (const b of batches) {
    if (options.signal?.aborted) break;
    bytes += b.sizeBytes;
    // Each chunk is checked as it is read and then dropped: holding a file's chunks (tens of MB in a mature
    // world) until the file was read made them outlive the young generation, and GC took a third of the time.
    let count = 0;
    let last: StoredChunk | undefined;
    try {
      // Without replay nothing reads the cell columns: they stay as stored (their structure is checked).
      for await (const c of storage.readBatchFile(b.key, { readsCells: options.replay === true })) {
        if (count++ === 0 && c.firstTick !== b.firstTick)
          problem({
            kind: 'chunk',
            file: b.key,
            tick: c.firstTick,
            message: `the file name says it starts at tick ${b.firstTick}, its first chunk starts at ${c.firstTick}`,
          });
        last = c;
        checkChunk(c, b.key);
      }
    } catch (err) {
      const e = err as Error & { data?: { offset?: number } };
      problem({ kind: 'file', file: b.key, offset: e.data?.offset, tick: b.firstTick, message: e.message });
      // What follows this file is checked against where it should have ended.
      expected = b.lastTick + interval;
      previousSim = undefined;
      options.onProgress?.(++done, batches.length, ticks);
      continue;
    }
    if (count === 0) problem({ kind: 'file', file: b.key, tick: b.firstTick, message: 'the file holds no chunk' });
    if (last && last.lastTick !== b.lastTick)
      problem({
        kind: 'chunk',
        file: b.key,
        tick: last.lastTick,
        message: `the file name says it ends at tick ${b.lastTick}, its last chunk ends at ${last.lastTick}`,
      });
    options.onProgress?.(++done, batches.length, ticks);
  }

  let indexChecked = false;
  if (options.index) {
    indexChecked = await withTransientReader(options.index, runId, async (reader) => {
      if (!reader) {
        problem({ kind: 'index', message: `the run has no index (build it with \`evochora index --run ${runId}\`)` });
        return false;
      }
      for (const b of batches)
        for (const kind of ['environment', 'organism'] as const)
          if (!(await isBatchIndexed(reader, kind, b)))
            problem({
              kind: 'index',
              file: b.key,
              tick: b.firstTick,
              message: `ticks ${b.firstTick}..${b.lastTick} are stored but their ${kind === 'environment' ? 'cells' : 'organisms'} are not indexed`,
            });
      return true;
    });
  }

  let analyticsChecked = false;
  if (options.analytics && (await options.analytics.listAnalyticsFiles(runId)).length > 0) {
    analyticsChecked = true;
    const analysed = await analyzedBatchKeys(options.analytics, runId);
    for (const b of batches)
      if (!analysed.has(b.key))
        problem({
          kind: 'analytics',
          file: b.key,
          tick: b.firstTick,
          message: `ticks ${b.firstTick}..${b.lastTick} are stored but not in the run's analytics`,
        });
  }

  const firstTick = batches[0]?.firstTick ?? null;
  const lastTick = batches.at(-1)?.lastTick ?? null;
  if (problemCount > problems.length)
    problems.push({ kind: 'file', message: `… and ${problemCount - problems.length} more problems` });
  return {
    runId,
    ok: problemCount === 0,
    batches: batches.length,
    chunks,
    ticks,
    firstTick,
    lastTick,
    samplingInterval: interval,
    bytes,
    indexChecked,
    analyticsChecked,
    replayedSnapshots: replayed,
    replayedTicks,
    problems,
  };
}

/** Only the chunk's snapshot (field 5), decoded: its deltas are not needed to replay from it. */
function snapshotOf(chunk: Uint8Array): TickData | undefined {
  let snap: TickData | undefined;
  eachField(chunk, 0, chunk.length, (n, wt, start, end) => {
    if (n === 5 && wt === 2 && !snap) snap = TickData.decode(chunk.subarray(start, end));
  });
  return snap;
}

/** The chunk's samples against its header: count, first and last tick, the sampling interval. */
function checkSamples(
  c: StoredChunk,
  sampled: readonly number[],
  interval: number,
  file: string,
  problem: (p: VerificationProblem) => void,
): void {
  const at = { file, offset: c.offset, tick: c.firstTick };
  if (sampled.length !== c.tickCount)
    problem({
      kind: 'chunk',
      ...at,
      message: `the chunk announces ${c.tickCount} samples and holds ${sampled.length}`,
    });
  if (sampled[0] !== c.firstTick || sampled.at(-1) !== c.lastTick)
    problem({
      kind: 'chunk',
      ...at,
      message: `the chunk announces ticks ${c.firstTick}..${c.lastTick} and holds ${sampled[0]}..${sampled.at(-1)}`,
    });
  for (let i = 1; i < sampled.length; i++)
    if (sampled[i]! - sampled[i - 1]! !== interval) {
      problem({
        kind: 'gap',
        ...at,
        tick: sampled[i - 1]! + interval,
        message: `sample ${i} of the chunk is tick ${sampled[i]}, expected ${sampled[i - 1]! + interval} (sampling every ${interval})`,
      });
      return;
    }
}

/**
 * Steps the simulation of the previous snapshot to this chunk's snapshot and compares it with what is stored
 * there: the runtime checkpoint as the engine writes it (organisms, random streams, plugin states, counters) and
 * every cell. Equal, the same simulation goes on (no restore per chunk, so replay runs near the runtime's speed);
 * different, the difference is a problem and the replay continues from the stored snapshot.
 */
function replayTo(
  c: StoredChunk,
  file: string,
  previous: Simulation | undefined,
  previousSnapshot: { tick: number; file: string } | undefined,
  problem: (p: VerificationProblem) => void,
): { sim: Simulation | undefined; replayedTicks: number } {
  let tick = c.firstTick;
  let snap: TickData | undefined;
  let checkpoint: Uint8Array | undefined;
  try {
    snap = snapshotOf(c.data);
    checkpoint = snap?.runtimeCheckpoint ?? undefined;
  } catch (err) {
    problem({ kind: 'replay', file, tick, message: `the snapshot cannot be read: ${(err as Error).message}` });
    return { sim: undefined, replayedTicks: 0 };
  }
  if (!snap || !checkpoint || checkpoint.length === 0) {
    problem({ kind: 'replay', file, tick, message: 'the chunk has no runtime checkpoint to replay from' });
    return { sim: undefined, replayedTicks: 0 };
  }
  tick = Number(snap.tickNumber);
  const cells = columnsToArrays(snap.cells);
  const restore = (): Simulation | undefined => {
    try {
      return simulationFromSnapshot(Buffer.from(checkpoint).toString('utf8'), cells);
    } catch (err) {
      problem({ kind: 'replay', file, tick, message: `the snapshot cannot be restored: ${(err as Error).message}` });
      return undefined;
    }
  };
  if (!previous || !previousSnapshot) return { sim: restore(), replayedTicks: 0 };
  const from = previous.tick;
  // As the engine runs: step, sample (the snapshot is taken here), then prune the dead.
  for (;;) {
    previous.step();
    if (previous.tick >= tick) break;
    previous.pruneDead();
  }
  const sameCheckpoint = sameRuntimeCheckpoint(snapshotExtras(previous).runtimeCheckpoint!, checkpoint);
  const cellDifference = sameCheckpoint ? firstCellDifference(previous, cells) : undefined;
  if (sameCheckpoint && cellDifference === undefined) {
    previous.pruneDead();
    return { sim: previous, replayedTicks: tick - from };
  }
  const stored = restore();
  problem({
    kind: 'replay',
    file,
    tick,
    message: `re-simulating from the snapshot at tick ${from} (${previousSnapshot.file}) does not reach the state stored at tick ${tick}: ${
      sameCheckpoint ? `cell ${cellDifference} differs` : 'organisms, random streams or counters differ'
    } (state ${stateHash(previous)} replayed, ${stored ? stateHash(stored) : '?'} stored)`,
  });
  return { sim: stored, replayedTicks: tick - from };
}

/**
 * Whether the replayed checkpoint is the stored one: byte for byte, or, for a checkpoint written before the
 * population counters (`totals.peakAlive`, `totals.extinctionTick`) were kept, equal without them.
 */
function sameRuntimeCheckpoint(replayed: Uint8Array, stored: Uint8Array): boolean {
  if (Buffer.from(replayed).equals(Buffer.from(stored))) return true;
  const older = JSON.parse(Buffer.from(stored).toString('utf8')) as { totals?: Record<string, unknown> };
  if (!older.totals || 'peakAlive' in older.totals) return false;
  const now = JSON.parse(Buffer.from(replayed).toString('utf8')) as { totals: Record<string, unknown> };
  delete now.totals.peakAlive;
  delete now.totals.extinctionTick;
  return JSON.stringify(now) === Buffer.from(stored).toString('utf8');
}

/** The first flat index where the world differs from the stored snapshot's cells, or undefined when none. */
function firstCellDifference(
  sim: Simulation,
  cells: { readonly flatIndices: Int32Array; readonly molecules: Int32Array; readonly owners: Int32Array },
): number | undefined {
  const { cells: molecules, owners } = sim.world;
  const { flatIndices, molecules: m, owners: o } = cells;
  for (let i = 0; i < flatIndices.length; i++) {
    const at = flatIndices[i]!;
    if (molecules[at] !== m[i] || owners[at] !== o[i]) return at;
  }
  // Every stored cell matches; the world may hold more.
  let occupied = 0;
  for (let i = 0; i < molecules.length; i++) if ((molecules[i]! | owners[i]!) !== 0) occupied++;
  if (occupied === flatIndices.length) return undefined;
  const stored = new Set(flatIndices);
  for (let i = 0; i < molecules.length; i++) if ((molecules[i]! | owners[i]!) !== 0 && !stored.has(i)) return i;
  return -1;
}
