import { MoleculeType } from '../isa/molecule.js';
import { WorldShapeError } from './errors.js';
import { LabelIndex } from './labels/label-index.js';

const TYPE_LABEL = MoleculeType.LABEL;

/** The buffers of a world in shared memory (see World's `memory`). */
export interface WorldBuffers {
  readonly cells: SharedArrayBuffer;
  readonly owners: SharedArrayBuffer;
  readonly codeWatch: SharedArrayBuffer;
}

/**
 * The n-dimensional grid. One int32 molecule and one int32 owner per cell, in flat row-major order
 * (last dimension fastest, `idx = x*H + y` in 2-D). Every mutation goes through `setCell` so the owner
 * index, the label index and the change tracking can never disagree with the arrays.
 */
export class World {
  readonly shape: Int32Array;
  readonly strides: Int32Array;
  readonly dims: number;
  readonly size: number;
  readonly toroidal: boolean;
  readonly cells: Int32Array;
  readonly owners: Int32Array;
  readonly labels = new LabelIndex();
  /** owner id → flat indices it owns. Iterate `ownedCellsSorted` wherever order matters. */
  private readonly ownerIndex = new Map<number, Set<number>>();
  /** 1 for every cell written since the last `drainChanged`; `changedList` holds them without duplicates. */
  private readonly changedFlag: Uint8Array;
  private changedList: Int32Array;
  private changedCount = 0;
  /**
   * Cells that organisms' decoded-instruction caches were filled from. Changing the molecule of such a
   * cell bumps `codeEpoch`, which invalidates every cached decode at once (writes to executed code are rare).
   */
  readonly codeWatch: Uint8Array;
  /** Decode-cache epoch (int32; wraps into `codeGeneration`, which makes organisms drop their caches). */
  codeEpoch = 1;
  codeGeneration = 0;

  constructor(
    shape: readonly number[],
    toroidal = true,
    /**
     * Where cells, owners and decode watch marks live: this thread's memory, new SharedArrayBuffers (a simulation
     * with plan workers), or the shared buffers of such a world (a plan worker's view of it).
     */
    memory: 'local' | 'shared' | WorldBuffers = 'local',
  ) {
    if (shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new WorldShapeError(`invalid world shape [${shape.join(',')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > 2 ** 30) throw new WorldShapeError(`world of ${size} cells is too large`);
    this.shape = Int32Array.from(shape);
    this.dims = shape.length;
    this.strides = new Int32Array(this.dims);
    let s = 1;
    for (let i = this.dims - 1; i >= 0; i--) {
      this.strides[i] = s;
      s *= shape[i]!;
    }
    this.size = size;
    this.toroidal = toroidal;
    if (typeof memory === 'object') {
      if (memory.cells.byteLength !== size * 4 || memory.codeWatch.byteLength !== size)
        throw new WorldShapeError(`shared world buffers do not fit a world of ${size} cells`);
      this.cells = new Int32Array(memory.cells);
      this.owners = new Int32Array(memory.owners);
      this.codeWatch = new Uint8Array(memory.codeWatch);
    } else {
      const Buffer = memory === 'shared' ? SharedArrayBuffer : ArrayBuffer;
      this.cells = new Int32Array(new Buffer(size * 4));
      this.owners = new Int32Array(new Buffer(size * 4));
      this.codeWatch = new Uint8Array(new Buffer(size));
    }
    this.changedFlag = new Uint8Array(size);
    this.changedList = new Int32Array(1024);
  }

  /** Flat index of `coords` (wrapped on a torus); -1 outside a bounded world. */
  indexOf(coords: ArrayLike<number>): number {
    let idx = 0;
    for (let d = 0; d < this.dims; d++) {
      let c = coords[d]!;
      const n = this.shape[d]!;
      if (c < 0 || c >= n) {
        if (!this.toroidal) return -1;
        c = ((c % n) + n) % n;
      }
      idx += c * this.strides[d]!;
    }
    return idx;
  }

  /** Flat index of `base + vec` (both read at offsets, length dims); -1 outside a bounded world. */
  offsetIndex(base: ArrayLike<number>, baseOff: number, vec: ArrayLike<number>, vecOff: number): number {
    let idx = 0;
    for (let d = 0; d < this.dims; d++) {
      let c = base[baseOff + d]! + vec[vecOff + d]!;
      const n = this.shape[d]!;
      if (c < 0 || c >= n) {
        if (!this.toroidal) return -1;
        c = ((c % n) + n) % n;
      }
      idx += c * this.strides[d]!;
    }
    return idx;
  }

  /** Writes the coordinates of a flat index into `out` at `off`. */
  coordsOf(idx: number, out: Int32Array | number[], off = 0): void {
    for (let d = 0; d < this.dims; d++) {
      const st = this.strides[d]!;
      const c = Math.floor(idx / st);
      out[off + d] = c;
      idx -= c * st;
    }
  }

  coordsArray(idx: number): number[] {
    const out: number[] = new Array<number>(this.dims);
    this.coordsOf(idx, out);
    return out;
  }

  /** Normalises coordinates in place (torus wrap); returns false if outside a bounded world. */
  normalize(coords: Int32Array, off = 0): boolean {
    for (let d = 0; d < this.dims; d++) {
      const c = coords[off + d]!;
      const n = this.shape[d]!;
      if (c < 0 || c >= n) {
        if (!this.toroidal) return false;
        coords[off + d] = ((c % n) + n) % n;
      }
    }
    return true;
  }

  /** The shared buffers of a world made with `memory: 'shared'` (throws for a local one). */
  sharedBuffers(): WorldBuffers {
    const { cells, owners, codeWatch } = this;
    if (!(cells.buffer instanceof SharedArrayBuffer) || !(codeWatch.buffer instanceof SharedArrayBuffer))
      throw new TypeError('this world is not in shared memory');
    return { cells: cells.buffer, owners: owners.buffer as SharedArrayBuffer, codeWatch: codeWatch.buffer };
  }

  molecule(idx: number): number {
    return idx < 0 ? 0 : this.cells[idx]!;
  }

  owner(idx: number): number {
    return idx < 0 ? 0 : this.owners[idx]!;
  }

  /**
   * The single write path. CODE:0 (packed 0) is always unowned. Keeps owner and label indexes and the
   * changed set in sync; ignores writes outside a bounded world (idx < 0).
   */
  setCell(idx: number, molecule: number, owner: number): void {
    if (idx < 0) return;
    if (molecule === 0) owner = 0;
    const oldMol = this.cells[idx]!;
    const oldOwner = this.owners[idx]!;
    if (oldMol === molecule && oldOwner === owner) return;
    if (oldMol !== molecule) {
      if (this.codeWatch[idx] === 1) {
        this.codeWatch[idx] = 0;
        this.invalidateCode();
      }
      if (((oldMol >>> 20) & 0xff) === TYPE_LABEL) this.labels.remove(oldMol & 0xfffff, idx, oldOwner);
      if (((molecule >>> 20) & 0xff) === TYPE_LABEL) this.labels.add(molecule & 0xfffff, idx, owner);
      if (this.labels.version >= 0x7fff0000) {
        // keep the version an int32 (decode caches store it): restart it and drop every cache
        this.labels.version = 0;
        this.codeGeneration++;
      }
      this.cells[idx] = molecule;
    }
    if (oldOwner !== owner) {
      // A label that keeps its value but changes hands moves in the per-owner label index.
      if (oldMol === molecule && ((molecule >>> 20) & 0xff) === TYPE_LABEL)
        this.labels.changeOwner(molecule & 0xfffff, idx, oldOwner, owner);
      if (oldOwner !== 0) this.ownerIndex.get(oldOwner)?.delete(idx);
      if (owner !== 0) {
        let set = this.ownerIndex.get(owner);
        if (set === undefined) {
          set = new Set();
          this.ownerIndex.set(owner, set);
        }
        set.add(idx);
      }
      this.owners[idx] = owner;
    }
    this.markChanged(idx);
  }

  /** Invalidates every decoded-instruction cache (call after changing `cells` other than through `setCell`). */
  invalidateCode(): void {
    if (this.codeEpoch === 0x7fffffff) {
      this.codeEpoch = 1;
      this.codeGeneration++;
    } else this.codeEpoch++;
  }

  private markChanged(idx: number): void {
    if (this.changedFlag[idx] === 1) return;
    this.changedFlag[idx] = 1;
    if (this.changedCount === this.changedList.length) {
      const next = new Int32Array(this.changedList.length * 2);
      next.set(this.changedList);
      this.changedList = next;
    }
    this.changedList[this.changedCount++] = idx;
  }

  /** Number of cells written since the last drain. */
  get changedCellCount(): number {
    return this.changedCount;
  }

  /**
   * Calls `visit(idx)` for every cell written since the last drain (unsorted, no duplicates; a cell
   * written and restored within the interval is still listed) and resets the tracking.
   */
  drainChanged(visit?: (idx: number) => void): void {
    const list = this.changedList;
    for (let i = 0; i < this.changedCount; i++) {
      const idx = list[i]!;
      this.changedFlag[idx] = 0;
      if (visit) visit(idx);
    }
    this.changedCount = 0;
  }

  /**
   * The changed indices as a view (no copy; unsorted, no duplicates). Valid until the next write or
   * `resetChanged()`; call `resetChanged()` after consuming it.
   */
  changedIndicesView(): Int32Array {
    return this.changedList.subarray(0, this.changedCount);
  }

  /** Forgets the changed set (after `changedIndicesView()` was consumed). */
  resetChanged(): void {
    this.drainChanged();
  }

  /** Copies the changed indices into a fresh array (sorted) without draining. */
  peekChanged(): Int32Array {
    return this.changedList.slice(0, this.changedCount).sort();
  }

  ownedCount(owner: number): number {
    return this.ownerIndex.get(owner)?.size ?? 0;
  }

  /** The cells of `owner` in ascending flat-index order (a fresh array: callers may mutate the world). */
  ownedCellsSorted(owner: number): Int32Array {
    const set = this.ownerIndex.get(owner);
    if (set === undefined || set.size === 0) return new Int32Array(0);
    const out = new Int32Array(set.size);
    let i = 0;
    for (const idx of set) out[i++] = idx;
    return out.sort();
  }

  /** Drops every ownership record of `owner` (cells keep their molecules; markers are reset to 0). */
  clearOwnership(owner: number): void {
    for (const idx of this.ownedCellsSorted(owner)) {
      const mol = this.cells[idx]!;
      this.setCell(idx, mol & 0x0fffffff, 0);
    }
    this.ownerIndex.delete(owner);
  }

  /** Toroidal (or plain, when bounded) Manhattan distance between coords and a flat index. */
  distanceTo(coords: ArrayLike<number>, coordsOff: number, idx: number): number {
    let dist = 0;
    let rem = idx;
    for (let d = 0; d < this.dims; d++) {
      const st = this.strides[d]!;
      const c = Math.floor(rem / st);
      rem -= c * st;
      let diff = Math.abs(coords[coordsOff + d]! - c);
      if (this.toroidal) diff = Math.min(diff, this.shape[d]! - diff);
      dist += diff;
    }
    return dist;
  }

  /** Rebuilds owner and label indexes from the arrays (after a restore). */
  rebuildIndexes(): void {
    this.invalidateCode();
    this.labels.clear();
    this.ownerIndex.clear();
    for (let i = 0; i < this.size; i++) {
      const mol = this.cells[i]!;
      if (((mol >>> 20) & 0xff) === TYPE_LABEL) this.labels.add(mol & 0xfffff, i, this.owners[i]!);
      const o = this.owners[i]!;
      if (o !== 0) {
        let set = this.ownerIndex.get(o);
        if (set === undefined) {
          set = new Set();
          this.ownerIndex.set(o, set);
        }
        set.add(i);
      }
    }
  }
}
