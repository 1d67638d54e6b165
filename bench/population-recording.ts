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
import { busyLoopWorld } from './busy-loop-world.js';
import { assembleChunk } from '../src/pipeline/engine/chunk-assembly.js';
import { ChunkEncoder } from '../src/pipeline/engine/chunk-encoder.js';
import { OrganismDeltaWriter } from '../src/pipeline/engine/organism-delta-writer.js';
import { snapshotExtras } from '../src/pipeline/engine/snapshot-extras.js';
const argv = process.argv.slice(2);
const at = argv.indexOf('--populations');
const populations = (at >= 0 ? argv[at + 1]! : '50,500,2000').split(',').map(Number);
const json = argv.includes('--json');
const results: Array<Record<string, number>> = [];
for (const copies of populations) {
  const ticks = Math.max(2000, Math.round(400000 / copies));
  const bare = busyLoopWorld(copies, true);
  let t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    bare.step();
    bare.pruneDead();
  }
  const runtimeMs = performance.now() - t0;
  const sim = busyLoopWorld(copies, true);
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
