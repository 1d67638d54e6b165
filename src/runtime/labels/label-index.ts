/** Inserts `flatIndex` into a sorted list (no duplicates). */
function insertSorted(list: number[], flatIndex: number): void {
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

/**
 * Index of every LABEL molecule in the world: label value (20 bits) → flat indices, kept sorted so
 * that iteration order (and therefore any random choice made over it) is deterministic; and the same per
 * (value, owner), so an organism finds its own labels without scanning every copy of a genome (identical
 * copies share every label value). Markers are not stored here; the matcher reads them from the world arrays.
 */
export class LabelIndex {
  private readonly byValue = new Map<number, number[]>();
  /**
   * owner → label value → flat indices. Two maps of small-integer keys: one key combining owner and value passes
   * 2^31 once ids pass 2,047 (every mature world), and a lookup by such a key (a heap number, hashed as a double)
   * took 53–63 ns against 28–35 ns for the two small-integer lookups (2,000 owners, in a micro-benchmark).
   */
  private readonly byOwner = new Map<number, Map<number, number[]>>();
  /** One byte per 20-bit label value: lets the Hamming stages skip empty buckets without a map lookup. */
  readonly occupied = new Uint8Array(1 << 20);
  /** Incremented on every change of the index (lets callers cache lookups); the world keeps it below 2^31. */
  version = 0;

  add(value: number, flatIndex: number, owner: number): void {
    this.version++;
    const v = value & 0xfffff;
    let list = this.byValue.get(v);
    if (list === undefined) {
      list = [];
      this.byValue.set(v, list);
      this.occupied[v] = 1;
    }
    insertSorted(list, flatIndex);
    this.addOwned(v, flatIndex, owner);
  }

  remove(value: number, flatIndex: number, owner: number): void {
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
    this.removeOwned(v, flatIndex, owner);
  }

  /** A LABEL cell changed owner (its value stayed). */
  changeOwner(value: number, flatIndex: number, from: number, to: number): void {
    const v = value & 0xfffff;
    this.removeOwned(v, flatIndex, from);
    this.addOwned(v, flatIndex, to);
  }

  private addOwned(v: number, flatIndex: number, owner: number): void {
    let byValue = this.byOwner.get(owner);
    if (byValue === undefined) {
      byValue = new Map();
      this.byOwner.set(owner, byValue);
    }
    let owned = byValue.get(v);
    if (owned === undefined) {
      owned = [];
      byValue.set(v, owned);
    }
    insertSorted(owned, flatIndex);
  }

  private removeOwned(v: number, flatIndex: number, owner: number): void {
    const byValue = this.byOwner.get(owner);
    const owned = byValue?.get(v);
    if (owned === undefined) return;
    const i = owned.indexOf(flatIndex);
    if (i < 0) return;
    owned.splice(i, 1);
    if (owned.length === 0) {
      byValue!.delete(v);
      if (byValue!.size === 0) this.byOwner.delete(owner);
    }
  }

  get(value: number): readonly number[] | undefined {
    return this.byValue.get(value & 0xfffff);
  }

  /** The LABEL cells of `value` that `owner` owns, in flat-index order (the order of `get`). */
  getOwned(value: number, owner: number): readonly number[] | undefined {
    return this.byOwner.get(owner)?.get(value & 0xfffff);
  }

  clear(): void {
    this.version++;
    this.byValue.clear();
    this.byOwner.clear();
    this.occupied.fill(0);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byValue.values()) n += l.length;
    return n;
  }
}
