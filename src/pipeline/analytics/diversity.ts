/** Diversity of a population from how many organisms carry each genome (shared by the analytics and the engine). */

/** Shannon index (nats) of the shares `n / total`. */
export function shannonIndex(counts: Iterable<number>, total: number): number {
  let h = 0;
  for (const n of counts) {
    const p = n / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
