import { mix64, GOLDEN_GAMMA, toU64 } from './splitmix64.js';

/**
 * The shared generator world plugins draw from (xoshiro128**, 32-bit arithmetic, no BigInt on the hot
 * path). Its whole state is four uint32 words, so a checkpoint stores it exactly and a restored run
 * continues the same sequence.
 */
export class PluginRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: bigint | number) {
    let z = toU64(seed);
    for (let i = 0; i < 2; i++) {
      z = (z + GOLDEN_GAMMA) & ((1n << 64n) - 1n);
      const v = mix64(z);
      this.s[i * 2] = Number(v & 0xffffffffn);
      this.s[i * 2 + 1] = Number(v >> 32n);
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }

  /** Uniform double in [0, 1). */
  nextDouble(): number {
    return (this.nextU32() * 2 ** 21 + (this.nextU32() >>> 11)) / 2 ** 53;
  }

  /** Uniform integer in [0, bound), bound ≤ 2^32. */
  nextInt(bound: number): number {
    if (bound <= 1) return 0;
    return Math.floor(this.nextDouble() * bound);
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.s[i] = (state[i] ?? 0) >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
