import { GOLDEN_GAMMA, mix64 } from './splitmix64.js';

const M64 = (1n << 64n) - 1n;
const TWO64 = 1n << 64n;

/**
 * The per-organism, per-tick random stream: value n of tick t is a pure function of (seed, t, id, n),
 * so results never depend on scheduling, pause/resume or how many organisms exist. The stream seed is
 * computed on first use in a tick; most ticks of most organisms never draw.
 */
export class OrganismRandom {
  private salt: bigint | null = null;
  private streamSeed = 0n;
  private seeded = false;
  private drawIndex = 0n;
  private tickSeedProvider: () => bigint = () => 0n;

  constructor(private readonly organismId: number) {}

  /** Called at the start of the organism's tick; the seed itself is derived lazily. */
  beginTick(tickSeedProvider: () => bigint): void {
    this.tickSeedProvider = tickSeedProvider;
    this.seeded = false;
    this.drawIndex = 0n;
  }

  /** The stream seed of this tick (also the organism's write-conflict priority), unsigned. */
  seed(): bigint {
    if (!this.seeded) {
      if (this.salt === null) this.salt = mix64(BigInt(this.organismId));
      this.streamSeed = mix64(this.tickSeedProvider() ^ this.salt);
      this.seeded = true;
    }
    return this.streamSeed;
  }

  nextLong(): bigint {
    const s = this.seed();
    this.drawIndex += 1n;
    return mix64((s + this.drawIndex * GOLDEN_GAMMA) & M64);
  }

  /** Uniform in [0, bound) for 0 < bound < 2^31: multiply-shift on the high 32 bits with rejection. */
  nextInt(bound: number): number {
    const range = BigInt(bound);
    let product = (this.nextLong() >> 32n) * range;
    let low = product & 0xffffffffn;
    if (low < range) {
      const threshold = (0x100000000n - range) % range;
      while (low < threshold) {
        product = (this.nextLong() >> 32n) * range;
        low = product & 0xffffffffn;
      }
    }
    return Number(product >> 32n);
  }

  /** Uniform in [0, bound) for a positive 64-bit bound: unsigned multiply-high with rejection. */
  nextLongBounded(bound: bigint): bigint {
    let m = this.nextLong() * bound;
    let low = m & M64;
    if (low < bound) {
      const threshold = (TWO64 - bound) % bound;
      while (low < threshold) {
        m = this.nextLong() * bound;
        low = m & M64;
      }
    }
    return m >> 64n;
  }
}
