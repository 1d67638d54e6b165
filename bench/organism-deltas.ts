/**
 * What the organism deltas cost on each side of the engine, on the default world (our replicator in 512², seed 42)
 * after `--warm` ticks (default 400,000; ~40–50 organisms):
 *   - finding: `OrganismDeltaWriter.delta` on the simulation thread, ns per organism and sample, right after the
 *     step (as the engine does: the organisms' state partly out of the caches) and again at once (everything in
 *     cache, nothing changed: the work itself);
 *   - writing: `assembleChunk` on the main thread (the journal records of 1,000-sample chunks written as
 *     OrganismDelta bytes into the chunk), ms per chunk and ns per record, with the SHA-256 of the assembled bytes
 *     (a change that should not change the bytes must not change it).
 * Usage: npx tsx bench/organism-deltas.ts [--warm N] [--samples N (20,000)] [--json]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSourceOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, resolveRuntimeOptions } from '../src/runtime/index.js';
import { assembleChunk } from '../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder, type EncodedChunk } from '../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaJournal } from '../src/pipeline/engine/organism-delta-journal.js';
import { OrganismDeltaWriter } from '../src/pipeline/engine/organism-delta-writer.js';
import { ProtoWriter } from '../src/pipeline/engine/proto-writer.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const WARM = arg('--warm', 400_000);
const SAMPLES = arg('--samples', 20_000);
const json = process.argv.includes('--json');

const shape = [512, 512];
const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'assembly', 'replicator.evo'), 'utf8');
const program = programFromArtifact(compileSourceOrThrow(source, { world: { shape, toroidal: true } }, 'r.evo'));

function world(): Simulation {
  const sim = new Simulation(resolveRuntimeOptions({ shape, seed: 42n }));
  sim.placeProgram(program, [100, 100], 100_000);
  for (let i = 0; i < WARM; i++) {
    sim.step();
    sim.pruneDead();
  }
  return sim;
}

/** Finding: delta() after each step, then again at once; a snapshot (full) every 1,000 samples as in a chunk. */
function finding(): { organisms: number; coldNs: number; warmNs: number } {
  const sim = world();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const journal = new OrganismDeltaJournal(0x32);
  writer.full(new ProtoWriter(), 0x1a);
  let cold = 0n;
  let warm = 0n;
  let organisms = 0;
  for (let i = 0; i < SAMPLES; i++) {
    sim.step();
    const a = process.hrtime.bigint();
    writer.delta(journal, false);
    const b = process.hrtime.bigint();
    writer.delta(journal, false);
    warm += process.hrtime.bigint() - b;
    cold += b - a;
    organisms += sim.organisms.length;
    journal.clear();
    sim.pruneDead();
    if (i % 1000 === 999) writer.full(new ProtoWriter(), 0x1a);
  }
  return { organisms: organisms / SAMPLES, coldNs: Number(cold) / organisms, warmNs: Number(warm) / organisms };
}

/** Writing: the deferred chunks of SAMPLES samples, assembled five times over. */
function writing(): { chunks: number; msPerChunk: number; nsPerRecord: number; sha256: string } {
  const sim = world();
  const encoder = new ChunkEncoder(sim.world, {
    simulationRunId: 'bench',
    samplesPerChunk: 1000,
    accumulatedDeltaInterval: 50,
    deferOrganismDeltas: true,
  });
  encoder.resetChanges();
  const writer = new OrganismDeltaWriter(() => sim.organisms);
  const chunks: EncodedChunk[] = [];
  let records = 0;
  for (let i = 0; i < SAMPLES; i++) {
    sim.step();
    records += sim.organisms.length;
    const c = encoder.sample(sim.tick, writer, sim.nextOrganismId - 1);
    // Copies: the encoder reuses its buffers once they are given back (here they never are, but stay safe).
    if (c?.deferred)
      chunks.push({
        ...c,
        bytes: c.bytes.slice(),
        deferred: { index: c.deferred.index.slice(), ints: c.deferred.ints.slice(), raw: c.deferred.raw.slice() },
      });
    sim.pruneDead();
  }
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(assembleChunk(c.bytes, c.deferred!));
  const ROUNDS = 5;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) for (const c of chunks) assembleChunk(c.bytes, c.deferred!);
  const ns = Number(process.hrtime.bigint() - t0) / ROUNDS;
  return {
    chunks: chunks.length,
    msPerChunk: ns / chunks.length / 1e6,
    nsPerRecord: ns / records,
    sha256: hash.digest('hex'),
  };
}

const find = finding();
const write = writing();
const figures = {
  warmTicks: WARM,
  samples: SAMPLES,
  organismsPerSample: Number(find.organisms.toFixed(1)),
  findNsPerOrganismSample: Number(find.coldNs.toFixed(1)),
  findNsPerOrganismSampleInCache: Number(find.warmNs.toFixed(1)),
  assembleMsPerChunk: Number(write.msPerChunk.toFixed(3)),
  assembleNsPerRecord: Number(write.nsPerRecord.toFixed(1)),
  assembledChunks: write.chunks,
  assembledSha256: write.sha256,
};
if (json) console.log(JSON.stringify(figures));
else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(34)} ${v}`);
