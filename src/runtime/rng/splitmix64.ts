/**
 * SplitMix64 finaliser on unsigned 64-bit BigInts. The organism streams, tick seeds and conflict
 * priorities of the reference are built from it, so it must be bit exact. BigInt is slow, so callers
 * compute these values lazily (only when an instruction draws or a write conflict needs priorities).
 */
const M64 = (1n << 64n) - 1n;
export const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

export function mix64(z: bigint): bigint {
  z &= M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** Unsigned 64-bit view of a (possibly negative) integer seed. */
export function toU64(v: bigint | number): bigint {
  return BigInt.asUintN(64, typeof v === 'number' ? BigInt(v) : v);
}

/** `mix(seed ^ mix(tick))`: the seed every organism stream of a tick derives from. */
export function tickSeedOf(seed: bigint, tick: number): bigint {
  return mix64(toU64(seed) ^ mix64(BigInt(tick)));
}

export function toSigned64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}
