/**
 * The organisms-alive count the video frame source reads from each sample's bytes: full states in the snapshot
 * and in format-1 deltas, OrganismDeltas in format-2 deltas; the dead (is_dead, or a delta that sets it) do not
 * count.
 */
import { describe, expect, it } from 'vitest';
import type { BatchStorageReader, StoredChunk } from '../../../src/pipeline/api/batch-storage.js';
import { OrganismState, TickDataChunk, type TickDataChunkProps } from '../../../src/pipeline/contracts/index.js';
import { storedFrames } from '../../../src/visualizer/video/stored-frames.js';

const DEAD_BIT = 1 << 13;
const ENERGY_BIT = 1 << 4;

function reader(chunk: TickDataChunkProps): BatchStorageReader {
  const data = TickDataChunk.encode(chunk).finish();
  const stored: StoredChunk = {
    key: 'k',
    offset: 0,
    simulationRunId: 'r',
    firstTick: Number(chunk.firstTick),
    lastTick: Number(chunk.lastTick),
    tickCount: Number(chunk.tickCount),
    data,
  };
  return {
    readChunks: async function* () {
      yield stored;
    },
  } as unknown as BatchStorageReader;
}

const state = (id: number, dead = false) => OrganismState.create({ organismId: id, energy: 100, isDead: dead });

describe('storedFrames: organisms alive per frame', () => {
  it('counts the living in the snapshot, format-1 and format-2 deltas', async () => {
    const chunk: TickDataChunkProps = {
      simulationRunId: 'r',
      firstTick: 0,
      lastTick: 3,
      tickCount: 4,
      snapshot: { tickNumber: 0, organisms: [state(1), state(2), state(3, true)] },
      deltas: [
        // Format 1: every full state again; organism 2 died at tick 1.
        { tickNumber: 1, deltaType: 1, organisms: [state(1), state(2, true)] },
        // Format 2: organism 1 changed energy, organism 4 was born.
        {
          tickNumber: 2,
          deltaType: 1,
          organismDeltas: [
            { organismId: 1, changedFields: ENERGY_BIT, state: { energy: 90 } },
            { organismId: 4, changedFields: 0xffffffff >>> 0, state: state(4) },
          ],
        },
        // Format 2: organism 4 died; a delta whose DEAD bit is clear keeps 1 alive even with is_dead in its state.
        {
          tickNumber: 3,
          deltaType: 1,
          organismDeltas: [
            { organismId: 1, changedFields: ENERGY_BIT, state: { energy: 80, isDead: true } },
            { organismId: 4, changedFields: DEAD_BIT, state: { isDead: true } },
          ],
        },
      ],
    };
    const alive: Array<[number, number]> = [];
    for await (const f of storedFrames(reader(chunk), 'r', 16, { from: 0, to: 3, every: 1 }))
      alive.push([f.tick, f.alive]);
    expect(alive).toEqual([
      [0, 2],
      [1, 1],
      [2, 2],
      [3, 1],
    ]);
  });
});
