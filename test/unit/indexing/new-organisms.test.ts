/**
 * forEachNewOrganism on chunks the engine recorded in a living world (births and deaths): with the caller
 * adding what it is shown, every organism of every chunk is shown exactly once, at the sample it first appears
 * in, although samples without a birth are skipped unread.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { forEachNewOrganism, organismsOnlyChunk } from '../../../src/pipeline/contracts/chunk-fields.js';
import { OrganismDelta, OrganismState, TickDataChunk } from '../../../src/pipeline/contracts/index.js';
import { organismRowOf, staticRowOf } from '../../../src/pipeline/services/indexers/index-operations.js';

const shape = [512, 512];
const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
const program = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
);

function record(interval: number): Uint8Array[] {
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 7n }));
  sim.placeProgram(program, [100, 100], 100_000);
  for (let i = 0; i < 150_000; i++) {
    sim.step();
    sim.pruneDead();
  }
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'r',
    samplesPerChunk: 100,
    accumulatedDeltaInterval: 10,
    samplingInterval: interval,
  });
  encoder.resetChanges();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 4_000; i++) {
    sim.step();
    if (sim.tick % interval === 0) {
      const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
      if (c) chunks.push(c.bytes);
    }
    sim.pruneDead();
  }
  return chunks;
}

/** Each organism id of a chunk with the tick of its first sample, from the fully decoded chunk. */
function firstAppearances(bytes: Uint8Array): Array<[number, number]> {
  const c = TickDataChunk.decode(bytes);
  const seen = new Map<number, number>();
  const first = (id: number | null | undefined, tick: unknown): void => {
    if (!seen.has(Number(id))) seen.set(Number(id), Number(tick));
  };
  for (const o of c.snapshot?.organisms ?? []) first(o.organismId, c.snapshot!.tickNumber);
  for (const d of c.deltas) for (const o of d.organismDeltas ?? []) first(o.organismId, d.tickNumber);
  return [...seen].sort((a, b) => a[0] - b[0]);
}

describe.each([1, 3])('new organisms of recorded chunks (sampling interval %i)', (interval) => {
  const chunks = record(interval);
  it('shows every organism once, at its first sample, in whole and organisms-only chunks', () => {
    let births = 0;
    for (const bytes of chunks) {
      const expected = firstAppearances(bytes);
      for (const chunk of [bytes, organismsOnlyChunk(bytes)]) {
        const known = new Set<number>();
        const shown: number[] = [];
        forEachNewOrganism(chunk, known, (id) => {
          known.add(id);
          shown.push(id);
        });
        expect(shown.sort((a, b) => a - b)).toEqual(expected.map(([id]) => id));
      }
      const c = TickDataChunk.decode(bytes);
      births += expected.length - (c.snapshot?.organisms?.length ?? 0);
    }
    // The stretch holds births inside chunks (organisms that were not in their chunk's snapshot).
    expect(births).toBeGreaterThan(0);
  });

  it('gives each new organism the static row a full decode of it gives (snapshot organisms and newborns)', () => {
    let newborns = 0;
    for (const bytes of chunks) {
      const known = new Set<number>();
      forEachNewOrganism(bytes, known, (id, raw, isDelta) => {
        known.add(id);
        // The organism indexer reads the row from the wire (staticRowOf); the reference is the decoded state.
        const state = isDelta ? OrganismDelta.decode(raw).state : OrganismState.decode(raw);
        const want = state ? organismRowOf(OrganismState.create({ ...state, organismId: id })) : undefined;
        expect(staticRowOf(id, raw, isDelta), `organism ${id}`).toEqual(want);
        if (isDelta) newborns++;
      });
    }
    expect(newborns).toBeGreaterThan(0);
  });
});
