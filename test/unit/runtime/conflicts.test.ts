import { describe, expect, it } from 'vitest';
import { compileSourceOrThrow } from '../../../src/compiler/index.js';
import { programFromArtifact } from '../../../src/runtime/program.js';
import { Simulation } from '../../../src/runtime/simulation.js';
import { referenceThermodynamics } from '../../../src/runtime/config.js';
import { mix64, tickSeedOf, toSigned64 } from '../../../src/runtime/rng/splitmix64.js';
import * as S from '../../../src/runtime/rng/splitmix64-32.js';
import { OrganismRandom } from '../../../src/runtime/rng/organism-random.js';
import { DATA } from './helpers.js';

describe('write-conflict resolution', () => {
  it('the smaller per-tick stream seed (signed) wins; the loser pays base + penalty and keeps its IP', () => {
    const world = { shape: [32, 32], toroidal: true };
    const sim = new Simulation({
      shape: world.shape,
      seed: 42n,
      plugins: [],
      thermodynamics: referenceThermodynamics(),
      quirks: 'reference',
    });
    const a = sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('SETI %DR0 DATA:1\nPOKI %DR0 0|1', { world })),
      [5, 5],
      1000,
    );
    const b = sim.placeProgram(
      programFromArtifact(compileSourceOrThrow('SETI %DR0 DATA:2\nPOKI %DR0 0|-1', { world })),
      [5, 7],
      1000,
    );
    sim.step();
    sim.step(); // tick 1: both POKE cell (5,6)
    const ts = tickSeedOf(42n, 1);
    const pa = toSigned64(mix64(ts ^ mix64(1n)));
    const pb = toSigned64(mix64(ts ^ mix64(2n)));
    const [winner, loser] = pa < pb || pa === pb ? [a, b] : [b, a];
    expect(sim.world.cells[5 * 32 + 6]).toBe(DATA(winner === a ? 1 : 2));
    expect(loser.failureReason).toBe('Lost write conflict');
    expect(loser.er).toBe(1000 - 1 - 0 - 100);
    expect(loser.ip[0]).toBe(8); // still on its POKI
    expect(winner.failed).toBe(false);
    sim.step(); // the loser retries: the cell is now occupied
    expect(loser.failureReason).toBe('POKE: Target cell is not empty.');
  });

  it('tick seeds match the reference values', () => {
    expect(toSigned64(tickSeedOf(42n, 0)).toString()).toBe('-6387817139659442654');
    expect(toSigned64(tickSeedOf(42n, 1)).toString()).toBe('-4420583484614546736');
  });

  it('tick seeds and conflict priorities in 32-bit halves equal the BigInt reference', () => {
    const seeds = [42n, 0n, -1n, -6387817139659442654n, (1n << 63n) - 1n, 123456789012345n];
    const ticks = [0, 1, 2, 1000, 2 ** 31 + 5, 2 ** 32 + 7, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    for (const seed of seeds) {
      S.fromBigInt(seed);
      const [hi, lo] = [S.H, S.L];
      for (const tick of ticks) {
        S.tickSeed(hi, lo, tick);
        expect(S.toBigInt(S.H, S.L), `seed ${seed} tick ${tick}`).toBe(tickSeedOf(seed, tick));
      }
    }
    // Streams of one tick ordered by seedBelow as by their signed seeds (equal seeds: neither is below).
    for (const tick of [0, 1, 77]) {
      const streams = Array.from({ length: 40 }, (_, i) => {
        const r = new OrganismRandom(i + 1);
        r.beginTick(() => tickSeedOf(42n, tick));
        return r;
      });
      for (const a of streams)
        for (const b of streams) {
          const [sa, sb] = [toSigned64(a.seed()), toSigned64(b.seed())];
          expect(a.seedBelow(b)).toBe(sa < sb);
          expect(a.seedEquals(b)).toBe(sa === sb);
        }
    }
  });
});
