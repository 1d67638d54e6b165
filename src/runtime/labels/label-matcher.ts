import type { LabelMatchingOptions } from '../config.js';
import type { OrganismRandom } from '../rng/organism-random.js';
import type { World } from '../world.js';

const VALUE_BITS = 20;
const MASKS: number[][] = [[0], [], [], []];
for (let i = 0; i < VALUE_BITS; i++) MASKS[1]!.push(1 << i);
for (let i = 0; i < VALUE_BITS; i++) for (let j = i + 1; j < VALUE_BITS; j++) MASKS[2]!.push((1 << i) | (1 << j));
for (let i = 0; i < VALUE_BITS; i++)
  for (let j = i + 1; j < VALUE_BITS; j++)
    for (let k = j + 1; k < VALUE_BITS; k++) MASKS[3]!.push((1 << i) | (1 << j) | (1 << k));

const WEIGHT_PRECISION = 10000n;

/**
 * Fuzzy label resolution. An own exact match (owner = caller and marker 0) wins outright: the nearest
 * one, or with selectionSpread > 0 a weighted random one (weight 10000·s/(d+s), reservoir sampling over
 * the entries in flat-index order). Otherwise candidates at Hamming distance 0..tolerance are scored
 * `hammingWeight·h + distance + (foreign ? foreignPenalty : 0)`; lowest score wins, ties to the lower owner.
 * Returns the flat index of the chosen LABEL cell, or -1.
 */
export class LabelMatcher {
  constructor(
    private readonly world: World,
    private readonly options: LabelMatchingOptions,
  ) {}

  findTarget(
    value: number,
    callerId: number,
    caller: ArrayLike<number>,
    callerOff: number,
    random: OrganismRandom,
  ): number {
    const world = this.world;
    const owners = world.owners;
    const cells = world.cells;
    const { tolerance, hammingWeight, foreignPenalty, selectionSpread } = this.options;
    value &= 0xfffff;
    let bestScore = Number.MAX_SAFE_INTEGER;
    let bestIdx = -1;
    let bestOwner = Number.MAX_SAFE_INTEGER;

    // Own exact matches (the caller's LABEL cells of this value, marker 0) win outright, and only they draw
    // randomness: the per-owner index finds them without scanning other organisms' copies of the label.
    const own = world.labels.getOwned(value, callerId);
    if (own !== undefined) {
      // Fast path: a single own exact match wins whatever the distance (with a spread it would be drawn with
      // probability 1, and no other draw of this instruction depends on it).
      if (own.length === 1 && cells[own[0]!]! >>> 28 === 0) return own[0]!;
      let ownIdx = -1;
      let ownDist = Number.MAX_SAFE_INTEGER;
      let totalWeight = 0n;
      for (let i = 0; i < own.length; i++) {
        const idx = own[i]!;
        if (cells[idx]! >>> 28 !== 0) continue; // a marked cell counts as foreign
        const dist = world.distanceTo(caller, callerOff, idx);
        if (selectionSpread > 0) {
          const spread = BigInt(selectionSpread);
          let w = (WEIGHT_PRECISION * spread) / (BigInt(dist) + spread);
          if (w < 1n) w = 1n;
          totalWeight += w;
          if (random.nextLongBounded(totalWeight) < w) ownIdx = idx;
        } else if (dist < ownDist) {
          // Same owner throughout, so the first of equal distances (lowest flat index) stays.
          ownDist = dist;
          ownIdx = idx;
        }
      }
      if (ownIdx !== -1) return ownIdx;
    }

    // No own match: the nearest exact match of anyone (foreign ones pay the penalty), then near values.
    const exact = world.labels.get(value);
    if (exact !== undefined) {
      for (let i = 0; i < exact.length; i++) {
        const idx = exact[i]!;
        const owner = owners[idx]!;
        const foreign = owner !== callerId || cells[idx]! >>> 28 !== 0;
        const score = world.distanceTo(caller, callerOff, idx) + (foreign ? foreignPenalty : 0);
        if (score < bestScore || (score === bestScore && owner < bestOwner)) {
          bestScore = score;
          bestIdx = idx;
          bestOwner = owner;
        }
      }
    }

    const occupied = world.labels.occupied;
    for (let h = 1; h <= tolerance && h <= 3; h++) {
      if (bestScore < h * hammingWeight) break;
      const base = h * hammingWeight;
      const masks = MASKS[h]!;
      for (let m = 0; m < masks.length; m++) {
        const nv = value ^ masks[m]!;
        if (occupied[nv] === 0) continue;
        const bucket = world.labels.get(nv);
        if (bucket === undefined) continue;
        for (let i = 0; i < bucket.length; i++) {
          const idx = bucket[i]!;
          const owner = owners[idx]!;
          const foreign = owner !== callerId || cells[idx]! >>> 28 !== 0;
          const score = base + world.distanceTo(caller, callerOff, idx) + (foreign ? foreignPenalty : 0);
          if (score < bestScore || (score === bestScore && owner < bestOwner)) {
            bestScore = score;
            bestIdx = idx;
            bestOwner = owner;
          }
        }
      }
    }
    return bestIdx;
  }
}
