/**
 * The busy-loop world the runtime and recording benchmarks share: copies of a small register-heavy loop
 * (compares, NRG/NTR, SCNI, one PPKI, jumps) in a 1024×1024 torus with all thermodynamic costs zero, so no
 * organism is born or dies and the population stays what was placed.
 */
import { compileSourceOrThrow } from '../src/compiler/index.js';
import { Simulation, programFromArtifact, zeroThermodynamics, type SimulationThreading } from '../src/runtime/index.js';
import { LabelRewritePlugin } from '../src/runtime/plugins/label-rewrite.js';

export const BUSY_LOOP = `
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

/** `copies` of the loop; `ownLabels`: each with its own label namespace, as births would give it. */
export function busyLoopWorld(copies: number, ownLabels: boolean, threading: SimulationThreading = {}): Simulation {
  const world = { shape: [1024, 1024], toroidal: true };
  const program = programFromArtifact(compileSourceOrThrow(BUSY_LOOP, { world }));
  const sim = new Simulation(
    {
      shape: world.shape,
      toroidal: true,
      seed: 42n,
      thermodynamics: zeroThermodynamics(),
      organism: { maxEnergy: 32767, maxEntropy: 8191, errorPenaltyCost: 0 },
      labelMatching: { selectionSpread: 0 },
      plugins: [],
    },
    threading,
  );
  // Each copy gets its own label namespace, as births would give it (the reference benchmark does the same).
  const rewrite = new LabelRewritePlugin();
  // Up to 100 copies on the reference's 10×10 grid; more on a denser one (32 per row, rows 3 apart).
  for (let i = 0; i < copies; i++) {
    const at =
      copies <= 100 ? [(i % 10) * 100 + 10, Math.floor(i / 10) * 100 + 10] : [(i % 32) * 32, Math.floor(i / 32) * 3];
    const org = sim.placeProgram(program, at, 30000);
    if (ownLabels) rewrite.onBirth(sim, org);
  }
  return sim;
}
