/**
 * Generations of a run's organisms: the initial ones are generation 0, a child is its parent's generation + 1.
 * Kept from the births and deaths the analytics walk finds, in order, for the organisms that may still have
 * children (an organism is dropped when it dies: a parent is alive when it gives birth). Kept per run across
 * analytics parts, and seeded from the run's stored births and deaths when a node starts mid-run.
 */
export class Lineage {
  private readonly generation = new Map<number, number>();

  /** The generation of a living organism, or -1 when unknown (its birth was not seen). */
  of(id: number): number {
    return this.generation.get(id) ?? -1;
  }

  /** Records a birth; returns the child's generation (-1 when the parent's is unknown). */
  born(id: number, parentId: number | null): number {
    const g = parentId === null ? 0 : this.of(parentId) < 0 ? -1 : this.of(parentId) + 1;
    if (g >= 0) this.generation.set(id, g);
    return g;
  }

  died(id: number): void {
    this.generation.delete(id);
  }

  get size(): number {
    return this.generation.size;
  }
}
