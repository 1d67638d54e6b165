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

/** The key of a (label value, owner) pair: owners are organism ids (≥ 0, < 2^32), so it stays an exact integer. */
const ownedKey = (value: number, owner: number): number => owner * 0x100000 + value;

/**
 * Index of every LABEL molecule in the world: label value (20 bits) → flat indices, kept sorted so
 * that iteration order (and therefore any random choice made over it) is deterministic; and the same per
 * (value, owner), so an organism finds its own labels without scanning every copy of a genome (identical
 * copies share every label value). Markers are not stored here; the matcher reads them from the world arrays.
 */
export class LabelIndex {
  private readonly byValue = new Map<number, number[]>();
  private readonly byValueOwner = new Map<number, number[]>();
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
    const key = ownedKey(v, owner);
    let owned = this.byValueOwner.get(key);
    if (owned === undefined) {
      owned = [];
      this.byValueOwner.set(key, owned);
    }
    insertSorted(owned, flatIndex);
  }

  private removeOwned(v: number, flatIndex: number, owner: number): void {
    const key = ownedKey(v, owner);
    const owned = this.byValueOwner.get(key);
    if (owned === undefined) return;
    const i = owned.indexOf(flatIndex);
    if (i < 0) return;
    owned.splice(i, 1);
    if (owned.length === 0) this.byValueOwner.delete(key);
  }

  get(value: number): readonly number[] | undefined {
    return this.byValue.get(value & 0xfffff);
  }

  /** The LABEL cells of `value` that `owner` owns, in flat-index order (the order of `get`). */
  getOwned(value: number, owner: number): readonly number[] | undefined {
    return this.byValueOwner.get(ownedKey(value & 0xfffff, owner));
  }

  clear(): void {
    this.version++;
    this.byValue.clear();
    this.byValueOwner.clear();
    this.occupied.fill(0);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byValue.values()) n += l.length;
    return n;
  }
}
