/**
 * Recording cost by population size (issue: "small and large populations"): N copies of a register-heavy busy
 * loop, each with its own labels, in a 1024×1024 world without thermodynamic costs (no births or deaths, so the
 * population stays N). Per population, in this process:
 *   - runtime only: ticks/s of the bare runtime;
 *   - engine thread: the same ticks sampled every tick exactly as the engine worker samples them (ChunkEncoder
 *     with deferred organism deltas, OrganismDeltaWriter, snapshot checkpoints), as ticks/s and ÷ runtime only;
 *   - the recorder's ns per organism-sample on the engine thread, and the main thread's (writing the deferred
 *     organism deltas into the chunks: chunk-assembly.ts);
 *   - raw chunk bytes per organism and tick (before zstd).
 * Usage: npx tsx bench/population-recording.ts [--populations 50,500,2000] [--json]
 */
import { compileSourceOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, zeroThermodynamics } from '../src/runtime/index.js';
import { LabelRewritePlugin } from '../src/runtime/plugins/label-rewrite.js';
import { assembleChunk } from '../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder } from '../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../src/pipeline/engine/organism-delta-writer.js';
import { snapshotExtras } from '../src/pipeline/engine/snapshot-extras.js';
const BUSY = `
.REG %A %DR0
START:
  SETI %A DATA:0
LOOP:
  ADDI %A DATA:1
  NRG %DR1
  NTR %DR2
  SCNI %DR3 0|1
  GTI %A DATA:1000
    JMPI START
  IFI %DR3 DATA:0
    NOP
  PPKI %DR4 0|-1
  JMPI LOOP
`;
function world(copies: number): Simulation {
  const w = { shape: [1024, 1024], toroidal: true };
  const program = programFromArtifact(compileSourceOrThrow(BUSY, { world: w }));
  const sim = new Simulation({
    shape: w.shape,
    toroidal: true,
    seed: 42n,
    thermodynamics: zeroThermodynamics(),
    organism: { maxEnergy: 32767, maxEntropy: 8191, errorPenaltyCost: 0 },
    labelMatching: { selectionSpread: 0 },
    plugins: [],
  });
  const rewrite = new LabelRewritePlugin();
  for (let i = 0; i < copies; i++) {
    const at = [(i % 32) * 32, Math.floor(i / 32) * 3 + (copies <= 100 ? 100 : 0)];
    rewrite.onBirth(sim, sim.placeProgram(program, at, 30000));
  }
  return sim;
}
const argv = process.argv.slice(2);
const at = argv.indexOf('--populations');
const populations = (at >= 0 ? argv[at + 1]! : '50,500,2000').split(',').map(Number);
const json = argv.includes('--json');
const results: Array<Record<string, number>> = [];
for (const copies of populations) {
  const ticks = Math.max(2000, Math.round(400000 / copies));
  const bare = world(copies);
  let t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    bare.step();
    bare.pruneDead();
  }
  const runtimeMs = performance.now() - t0;
  const sim = world(copies);
  const enc = new ChunkEncoder(sim.world, {
    simulationRunId: 'x'.repeat(50),
    samplesPerChunk: 500,
    accumulatedDeltaInterval: 50,
    deferOrganismDeltas: true,
  });
  enc.resetChanges();
  const w = new OrganismDeltaWriter(() => sim.organisms);
  let asm = 0;
  let bytes = 0;
  let orgSamples = 0;
  t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    sim.step();
    orgSamples += sim.organisms.length;
    const c = enc.sample(sim.tick, w, sim.nextOrganismId - 1, enc.nextIsSnapshot ? snapshotExtras(sim) : {});
    if (c) {
      const a = performance.now();
      const b = c.deferred ? assembleChunk(c.bytes, c.deferred) : c.bytes;
      if (c.deferred) enc.recycleJournal(c.deferred.ints.buffer as ArrayBuffer);
      asm += performance.now() - a;
      bytes += b.length;
    }
    sim.pruneDead();
  }
  const engineMs = performance.now() - t0 - asm;
  const r2 = (n: number): number => Math.round(n * 100) / 100;
  results.push({
    organisms: copies,
    ticks,
    runtime_only_ticks_per_sec: Math.round((ticks * 1000) / runtimeMs),
    engine_thread_ticks_per_sec: Math.round((ticks * 1000) / engineMs),
    engine_over_runtime_only: r2(runtimeMs / engineMs),
    recorder_ns_per_organism_sample: Math.round(((engineMs - runtimeMs) * 1e6) / orgSamples),
    assembly_ns_per_organism_sample: Math.round((asm * 1e6) / orgSamples),
    raw_bytes_per_organism_tick: r2(bytes / ticks / copies),
  });
  if (!json)
    console.log(
      `${copies} organisms (${sim.organisms.length} alive), ${ticks} ticks: runtime ${((ticks * 1000) / runtimeMs).toFixed(0)} t/s, engine thread ${((ticks * 1000) / engineMs).toFixed(0)} t/s = ${(runtimeMs / engineMs).toFixed(2)} of runtime; recorder ${(((engineMs - runtimeMs) * 1e6) / orgSamples).toFixed(0)} ns + assembly ${((asm * 1e6) / orgSamples).toFixed(0)} ns per organism-sample; raw ${(bytes / ticks / copies).toFixed(1)} B per organism-tick`,
    );
}
if (json) console.log(JSON.stringify({ populations: results }, null, 2));
