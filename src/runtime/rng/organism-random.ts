import { GOLDEN_GAMMA, mix64 as mix64Big } from './splitmix64.js';
import * as S from './splitmix64-32.js';

const M64 = (1n << 64n) - 1n;
const TWO64 = 1n << 64n;
const GAMMA_HI = 0x9e3779b9;
const GAMMA_LO = 0x7f4a7c15;

/** The tick seed last split into halves (see ensureSeed). */
let lastTickSeed = -1n;
let lastTickHi = 0;
let lastTickLo = 0;

/**
 * The per-organism, per-tick random stream: value n of tick t is a pure function of (seed, t, id, n),
 * so results never depend on scheduling, pause/resume or how many organisms exist. The stream seed is
 * computed on first use in a tick (most ticks of most organisms never draw), in 32-bit halves (no BigInt).
 */
export class OrganismRandom {
  private saltHi = 0;
  private saltLo = 0;
  private saltReady = false;
  private seedHi = 0;
  private seedLo = 0;
  private seeded = false;
  /** Draw index within the tick (exact as a double far beyond any realistic count). */
  private drawIndex = 0;
  private tickSeedProvider: () => bigint = () => 0n;
  /** The tick seed split into halves, cached per provider call. */
  private tickHi = 0;
  private tickLo = 0;

  constructor(private readonly organismId: number) {}

  /** The tick whose stream is current (-1: none). */
  private stampTick = -1;
  private tickOf: () => number = () => 0;

  /** Called at the start of the organism's tick; the seed itself is derived lazily. */
  beginTick(tickSeedProvider: () => bigint): void {
    this.tickSeedProvider = tickSeedProvider;
    this.seeded = false;
    this.drawIndex = 0;
    this.stampTick = -1;
  }

  /**
   * Binds the stream to a simulation clock once: afterwards the stream restarts by itself whenever the
   * tick changes, so planning an instruction need not touch the random source at all.
   */
  /** The simulation this stream is bound to (see `bind`). */
  host: unknown = null;

  bind(host: unknown, tickSeedProvider: () => bigint, tickOf: () => number): void {
    this.host = host;
    this.attach(tickSeedProvider, tickOf);
  }

  attach(tickSeedProvider: () => bigint, tickOf: () => number): void {
    this.tickSeedProvider = tickSeedProvider;
    this.tickOf = tickOf;
    this.seeded = false;
    this.stampTick = -1;
  }

  private ensureSeed(): void {
    const tick = this.tickOf();
    if (this.stampTick !== tick) {
      this.stampTick = tick;
      this.seeded = false;
      this.drawIndex = 0;
    }
    if (this.seeded) return;
    if (!this.saltReady) {
      S.mix64(0, this.organismId >>> 0);
      this.saltHi = S.H;
      this.saltLo = S.L;
      this.saltReady = true;
    }
    // Every organism drawing in a tick gets the same seed (the simulation's cached value): split it once.
    const tickSeed = this.tickSeedProvider();
    if (tickSeed !== lastTickSeed) {
      S.fromBigInt(tickSeed);
      lastTickSeed = tickSeed;
      lastTickHi = S.H;
      lastTickLo = S.L;
    }
    this.tickHi = lastTickHi;
    this.tickLo = lastTickLo;
    S.mix64((this.tickHi ^ this.saltHi) >>> 0, (this.tickLo ^ this.saltLo) >>> 0);
    this.seedHi = S.H;
    this.seedLo = S.L;
    this.seeded = true;
  }

  /** The stream seed of this tick (also the organism's write-conflict priority), unsigned. */
  seed(): bigint {
    this.ensureSeed();
    return S.toBigInt(this.seedHi, this.seedLo);
  }

  /**
   * Whether this stream's seed, as a signed 64-bit priority, is below `other`'s (write conflicts: the lowest
   * wins). The same order as comparing toSigned64(seed()), without BigInts.
   */
  seedBelow(other: OrganismRandom): boolean {
    this.ensureSeed();
    other.ensureSeed();
    const a = this.seedHi | 0;
    const b = other.seedHi | 0;
    return a < b || (a === b && this.seedLo >>> 0 < other.seedLo >>> 0);
  }

  /** Whether the two streams' seeds are equal. */
  seedEquals(other: OrganismRandom): boolean {
    this.ensureSeed();
    other.ensureSeed();
    return this.seedHi === other.seedHi && this.seedLo === other.seedLo;
  }

  /** Next 64-bit value as halves in S.H / S.L. */
  private next(): void {
    this.ensureSeed();
    this.drawIndex++;
    // seed + n * gamma (mod 2^64)
    const n = this.drawIndex;
    S.mul64(Math.floor(n / 0x100000000) >>> 0, n >>> 0, GAMMA_HI, GAMMA_LO);
    S.add64(this.seedHi, this.seedLo, S.H, S.L);
    S.mix64(S.H, S.L);
  }

  nextLong(): bigint {
    this.next();
    return S.toBigInt(S.H, S.L);
  }

  /** Uniform in [0, bound) for 0 < bound < 2^31: multiply-shift on the high 32 bits with rejection. */
  nextInt(bound: number): number {
    this.next();
    let hi = S.H;
    let prodHi = mulHigh(hi, bound);
    let prodLo = Math.imul(hi, bound) >>> 0;
    if (prodLo < bound) {
      const threshold = (0x100000000 - bound) % bound;
      while (prodLo < threshold) {
        this.next();
        hi = S.H;
        prodHi = mulHigh(hi, bound);
        prodLo = Math.imul(hi, bound) >>> 0;
      }
    }
    return prodHi;
  }

  /** Uniform in [0, bound) for a positive 64-bit bound: unsigned multiply-high with rejection (BigInt; rare). */
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

/** floor(a * b / 2^32) for uint32 a and 0 < b < 2^31, exact. */
function mulHigh(a: number, b: number): number {
  const h1r = (a >>> 16) * b; // < 2^47
  const h0r = (a & 0xffff) * b; // < 2^47
  return Math.floor(h1r / 65536) + Math.floor(((h1r % 65536) * 65536 + h0r) / 0x100000000);
}

// Kept for callers that need the BigInt reference implementation.
export { mix64Big, GOLDEN_GAMMA };
