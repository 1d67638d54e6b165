/**
 * SplitMix64 on pairs of uint32 (hi, lo), without BigInt: the per-organism streams are drawn on the hot
 * path (RAND, RBI), where BigInt arithmetic would allocate. Bit-exact with `splitmix64.ts` (tested).
 * Results are returned through the module-level `H`/`L` registers to avoid allocating pairs.
 */

/** Result registers of the last operation (uint32 each). */
export let H = 0;
export let L = 0;

/** (ah,al) * (bh,bl) mod 2^64 → H, L. */
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c48 = 0;
  let c32 = 0;
  let c16 = 0;
  let c00 = 0;
  c00 += a00 * b00;
  c16 += c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  H = ((c48 << 16) | c32) >>> 0;
  L = ((c16 << 16) | c00) >>> 0;
}

/** The SplitMix64 finaliser on (hi, lo) → H, L. */
export function mix64(hi: number, lo: number): void {
  // z ^= z >>> 30; z *= 0xbf58476d1ce4e5b9
  lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  hi = (hi ^ (hi >>> 30)) >>> 0;
  mul64(hi, lo, 0xbf58476d, 0x1ce4e5b9);
  hi = H;
  lo = L;
  // z ^= z >>> 27; z *= 0x94d049bb133111eb
  lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
  hi = (hi ^ (hi >>> 27)) >>> 0;
  mul64(hi, lo, 0x94d049bb, 0x133111eb);
  hi = H;
  lo = L;
  // z ^= z >>> 31
  L = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
  H = (hi ^ (hi >>> 31)) >>> 0;
}

/** (ah,al) + (bh,bl) mod 2^64 → H, L. */
export function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  L = lo >>> 0;
  H = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/**
 * `mix(seed ^ mix(tick))` (splitmix64.ts tickSeedOf) for the seed's halves and a tick below 2^53 → H, L: once per
 * tick, where the BigInt version allocated a few hundred bytes.
 */
export function tickSeed(seedHi: number, seedLo: number, tick: number): void {
  mix64(Math.floor(tick / 0x100000000) >>> 0, tick >>> 0);
  mix64((seedHi ^ H) >>> 0, (seedLo ^ L) >>> 0);
}

/** Splits a 64-bit BigInt into (hi, lo) → H, L. */
export function fromBigInt(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  H = Number(u >> 32n);
  L = Number(u & 0xffffffffn);
}

export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
