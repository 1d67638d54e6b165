/**
 * What a chunk's snapshot carries besides cells and organisms, so a run can be resumed from it: the runtime
 * checkpoint (without the world arrays, which the snapshot's cells already hold), the plugins' random stream
 * and each tick plugin's state, all as JSON. The engine worker and the recording benchmark build them here,
 * so the benchmark measures what the engine does.
 */
import {
  checkpointJsonWithoutWorld,
  restoreCheckpoint,
  type Checkpoint,
  type Simulation,
  type SimulationThreading,
} from '../../runtime/index.js';
import type { SnapshotExtras } from './chunk-encoder.js';

function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

export function snapshotExtras(sim: Simulation): SnapshotExtras {
  // Without the world arrays: a snapshot costs O(occupied cells), not a base64 copy of the whole world (~0.5 ms
  // and ~54 KB for the mature default world).
  return {
    runtimeCheckpoint: checkpointJsonWithoutWorld(sim),
    rngState: utf8(JSON.stringify(sim.pluginRandom.getState())),
    pluginStates: sim.plugins.tick.map((p, i) => ({
      pluginName: `${i}:${p.kind}`,
      state: utf8(JSON.stringify(p.saveState ? p.saveState() : null) ?? 'null'),
    })),
  };
}

function base64OfDense(size: number, idx: Int32Array, values: Int32Array): string {
  const dense = new Int32Array(size);
  for (let i = 0; i < idx.length; i++) dense[idx[i]!] = values[i]!;
  return Buffer.from(dense.buffer, dense.byteOffset, dense.byteLength).toString('base64');
}

/**
 * The simulation a snapshot was taken of: its runtime checkpoint (snapshotExtras) with the world arrays filled
 * from the snapshot's cell columns. Stepping it continues the recorded run exactly (resume, `verify --replay`).
 */
export function simulationFromSnapshot(
  checkpointJson: string,
  cells: { readonly flatIndices: Int32Array; readonly molecules: Int32Array; readonly owners: Int32Array },
  threading: SimulationThreading = {},
): Simulation {
  const cp = JSON.parse(checkpointJson) as Checkpoint;
  const size = cp.options.shape.reduce((a, b) => a * b, 1);
  cp.cells = base64OfDense(size, cells.flatIndices, cells.molecules);
  cp.owners = base64OfDense(size, cells.flatIndices, cells.owners);
  return restoreCheckpoint(cp, threading);
}
