/**
 * A small LRU map (Map keeps insertion order; a hit re-inserts the key). With `weigh` and `maxWeight` it also
 * evicts by size: a decoded chunk of a dense world is megabytes, so a count alone does not bound memory.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private readonly weights = new Map<K, number>();
  private total = 0;
  /** `onDrop`: called for each value that leaves the map (evicted, replaced, deleted or cleared). */
  constructor(
    private readonly capacity: number,
    private readonly bySize?: { readonly weigh: (value: V) => number; readonly maxWeight: number },
    private readonly onDrop?: (value: V) => void,
  ) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.delete(key);
    this.map.set(key, value);
    if (this.bySize) {
      const w = this.bySize.weigh(value);
      this.weights.set(key, w);
      this.total += w;
    }
    // The newest entry always stays, even when it alone weighs more than the bound.
    while (
      this.map.size > 1 &&
      (this.map.size > this.capacity || (this.bySize !== undefined && this.total > this.bySize.maxWeight))
    )
      this.delete(this.map.keys().next().value as K);
  }
  delete(key: K): void {
    const v = this.map.get(key);
    if (!this.map.delete(key)) return;
    this.onDrop?.(v as V);
    const w = this.weights.get(key);
    if (w !== undefined) {
      this.total -= w;
      this.weights.delete(key);
    }
  }
  clear(): void {
    if (this.onDrop) for (const v of this.map.values()) this.onDrop(v);
    this.map.clear();
    this.weights.clear();
    this.total = 0;
  }
  /** The summed weight of the entries (0 without `bySize`). */
  get weight(): number {
    return this.total;
  }
}
