/**
 * Index of every LABEL molecule in the world: label value (20 bits) → flat indices, kept sorted so
 * that iteration order (and therefore any random choice made over it) is deterministic. Owner and
 * marker are not stored here; the matcher reads them from the world arrays, so they can never go stale.
 */
export class LabelIndex {
  private readonly byValue = new Map<number, number[]>();
  /** One byte per 20-bit label value: lets the Hamming stages skip empty buckets without a map lookup. */
  readonly occupied = new Uint8Array(1 << 20);
  /** Incremented on every change of the index (lets callers cache lookups); the world keeps it below 2^31. */
  version = 0;

  add(value: number, flatIndex: number): void {
    this.version++;
    const v = value & 0xfffff;
    let list = this.byValue.get(v);
    if (list === undefined) {
      list = [];
      this.byValue.set(v, list);
      this.occupied[v] = 1;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! < flatIndex) lo = mid + 1;
      else hi = mid;
    }
    if (list[lo] === flatIndex) return;
    list.splice(lo, 0, flatIndex);
  }

  remove(value: number, flatIndex: number): void {
    this.version++;
    const v = value & 0xfffff;
    const list = this.byValue.get(v);
    if (list === undefined) return;
    const i = list.indexOf(flatIndex);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) {
      this.byValue.delete(v);
      this.occupied[v] = 0;
    }
  }

  get(value: number): readonly number[] | undefined {
    return this.byValue.get(value & 0xfffff);
  }

  clear(): void {
    this.version++;
    this.byValue.clear();
    this.occupied.fill(0);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byValue.values()) n += l.length;
    return n;
  }
}
