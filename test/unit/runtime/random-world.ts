import { OPCODES } from '../../../src/isa/opcodes.js';
import { Simulation, type SimulationThreading } from '../../../src/runtime/simulation.js';
import { defaultPlugins } from '../../../src/runtime/config.js';
import { PluginRandom } from '../../../src/runtime/rng/plugin-random.js';

/**
 * A world of `count` (12) organisms with random genomes: random opcodes with random operand molecules (every
 * instruction runs).
 */
export function randomWorld(
  shape: number[],
  toroidal: boolean,
  quirks: 'reference' | 'fixed',
  seed: number,
  count = 12,
  threading: SimulationThreading = {},
): Simulation {
  const sim = new Simulation({ shape, toroidal, seed: BigInt(seed), quirks, plugins: defaultPlugins() }, threading);
  const rng = new PluginRandom(seed * 7 + 1);
  const dims = shape.length;
  for (let k = 0; k < count; k++) {
    const pos = shape.map((n) => rng.nextInt(n));
    const org = sim.createOrganism(pos, 2000 + rng.nextInt(5000));
    const c = Int32Array.from(pos);
    for (let i = 0; i < 40; i++) {
      const r = rng.nextInt(10);
      let mol: number;
      if (r < 5) mol = OPCODES[rng.nextInt(OPCODES.length)]!.opcode;
      else if (r < 7) mol = (6 << 20) | [0, 1, 2, 256, 257, 512, 1024, 1536, 1792, 9999][rng.nextInt(10)]!;
      else if (r < 8) mol = (1 << 20) | ((rng.nextInt(7) - 3) & 0xfffff);
      else if (r < 9) mol = ((4 + rng.nextInt(2)) << 20) | rng.nextInt(16);
      else mol = (rng.nextInt(4) << 20) | rng.nextInt(100);
      const idx = sim.world.indexOf(c);
      if (idx >= 0) sim.world.setCell(idx, mol, org.id);
      c[0] = c[0]! + 1;
      if (c[0]! >= shape[0]!) {
        c[0] = 0;
        c[1 % dims] = (c[1 % dims]! + 1) % shape[1 % dims]!;
      }
    }
  }
  return sim;
}
