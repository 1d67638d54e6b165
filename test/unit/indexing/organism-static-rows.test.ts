/**
 * The organism indexer reads a new organism's static row (parent, birth tick, program, initial position, genome)
 * straight from the wire. It must give what a full decode of the same bytes gives, for organisms first seen in a
 * snapshot and for those born within a chunk (a delta holding the whole state).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../../../src/runtime/index.js';
import { OrganismDelta, OrganismState } from '../../../src/pipeline/contracts/index.js';
import { forEachNewOrganism } from '../../../src/pipeline/contracts/chunk-fields.js';
import { ChunkEncoder } from '../../../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../../../src/pipeline/engine/organism-delta-writer.js';
import { organismRowOf, staticRowOf } from '../../../src/pipeline/services/indexers/index-operations.js';

/** The node's default world: our replicator in 512×512, which has births and deaths after ~150,000 ticks. */
const shape = [512, 512];
const source = readFileSync(new URL('../../../assembly/replicator.evo', import.meta.url), 'utf8');
const program = programFromArtifact(
  compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'replicator.evo'),
);

describe('organism static rows from the wire', () => {
  it('equal the rows of fully decoded states, for snapshot organisms and fromDeltas', () => {
    const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 42n }));
    sim.placeProgram(program, [100, 100], 100_000);
    for (let i = 0; i < 150_000; i++) {
      sim.step();
      sim.pruneDead();
    }
    const encoder = new ChunkEncoder(sim.world, {
      simulationRunId: 'r',
      samplesPerChunk: 100,
      accumulatedDeltaInterval: 10,
    });
    encoder.resetChanges();
    const writer = new OrganismDeltaWriter(() => sim.organisms);
    let fromSnapshots = 0;
    let fromDeltas = 0;
    for (let i = 0; i < 3_000; i++) {
      sim.step();
      const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
      sim.pruneDead();
      if (!c) continue;
      forEachNewOrganism(c.bytes, new Set<number>(), (id, raw, isDelta) => {
        const state = isDelta ? OrganismDelta.decode(raw).state : OrganismState.decode(raw);
        const want = state ? organismRowOf(OrganismState.create({ ...state, organismId: id })) : undefined;
        expect(staticRowOf(id, raw, isDelta), `organism ${id}`).toEqual(want);
        if (isDelta) fromDeltas++;
        else fromSnapshots++;
      });
    }
    expect(fromSnapshots).toBeGreaterThan(0);
    expect(fromDeltas).toBeGreaterThan(0);
  });
});
