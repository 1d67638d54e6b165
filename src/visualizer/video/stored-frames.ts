/**
 * The world's cells at stored ticks, straight from storage: each chunk's snapshot, then every delta's changed
 * cells applied to a dense mirror of the world, yielding the ticks on the frame grid (every `every`-th tick
 * from `from`). No node and no index needed.
 */
import type { BatchStorageReader } from '../../pipeline/api/batch-storage.js';
import { columnsAt } from '../../pipeline/contracts/columns.js';
import { eachField } from '../../pipeline/contracts/wire-walk.js';
import { aliveAt } from './alive-count.js';

export interface WorldFrame {
  readonly tick: number;
  /** Row-major (last dimension fastest), world-sized; valid until the next frame is taken. */
  readonly molecules: Int32Array;
  readonly owners: Int32Array;
  /** Organisms alive at the tick (read from the same sample's bytes, only for the ticks handed out). */
  readonly alive: number;
}

export interface FrameRange {
  readonly from: number;
  readonly to: number;
  /** A frame every this many ticks (from `from`). */
  readonly every: number;
}

function applyColumns(bytes: Uint8Array, start: number, end: number, molecules: Int32Array, owners: Int32Array): void {
  const { flatIndices: idx, molecules: mol, owners: own } = columnsAt(bytes, start, end);
  for (let i = 0; i < idx.length; i++) {
    const at = idx[i]!;
    if (at < 0 || at >= molecules.length) throw new RangeError(`cell index ${at} outside the world`);
    molecules[at] = mol[i]!;
    owners[at] = own[i]!;
  }
}

/** Frames of a run's stored ticks in `range`; `cells` is the world's size. */
export async function* storedFrames(
  storage: BatchStorageReader,
  runId: string,
  cells: number,
  range: FrameRange,
): AsyncGenerator<WorldFrame> {
  const molecules = new Int32Array(cells);
  const owners = new Int32Array(cells);
  const frame = { tick: 0, molecules, owners, alive: 0 };
  type Sample = { tick: number; cells: [number, number] | undefined; at: [number, number]; snapshot: boolean };
  for await (const stored of storage.readChunks(runId, range.from, range.to)) {
    const bytes = stored.data;
    const samples: Sample[] = [];
    eachField(bytes, 0, bytes.length, (n, wt, start, end) => {
      if (wt !== 2 || (n !== 5 && n !== 6)) return;
      // TickData (snapshot): 2 tick, 4 cells. TickDelta: 1 tick, 3 changed cells.
      const s: Sample = { tick: -1, cells: undefined, at: [start, end], snapshot: n === 5 };
      eachField(bytes, start, end, (m, mwt, ms, me, v) => {
        if (mwt === 0 && m === (n === 5 ? 2 : 1)) s.tick = v;
        else if (mwt === 2 && m === (n === 5 ? 4 : 3)) s.cells = [ms, me];
      });
      if (n === 5) {
        molecules.fill(0);
        owners.fill(0);
        if (s.tick < 0) s.tick = stored.firstTick;
        samples.unshift(s);
      } else samples.push(s);
    });
    for (const s of samples) {
      if (s.cells) applyColumns(bytes, s.cells[0], s.cells[1], molecules, owners);
      if (s.tick < range.from || s.tick > range.to || (s.tick - range.from) % range.every !== 0) continue;
      frame.tick = s.tick;
      frame.alive = aliveAt(bytes, s.at[0], s.at[1], s.snapshot);
      yield frame;
    }
  }
}
