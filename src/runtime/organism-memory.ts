/**
 * The memory of one simulation's organisms: each organism's hot state (the typed arrays every instruction reads)
 * and its decoded-instruction cache in one fixed-size block, the blocks side by side in pages. With each organism
 * in buffers of its own, the cost per instruction grew with the population (memory and address-translation
 * misses); in shared pages it is 12–30 % lower at 10,000 organisms (docs/runtime.md). The block of a pruned
 * organism goes to the next one born, cleared first, so a long run's memory stays that of its largest population.
 */
export class OrganismMemory {
  private readonly pages: ArrayBufferLike[] = [];
  /** Blocks of pruned organisms, handed out again before new ones. */
  private readonly free: number[] = [];
  /** Blocks handed out so far from the pages (free or in use). */
  private used = 0;

  constructor(
    /** Bytes per block (a multiple of 64: blocks start on cache lines). */
    readonly blockBytes: number,
    readonly blocksPerPage = 256,
    /** Pages in SharedArrayBuffers, so plan workers can see the blocks (runtime/threads). */
    readonly shared = false,
  ) {
    if (blockBytes <= 0 || blockBytes % 64 !== 0)
      throw new RangeError(`block size ${blockBytes} is not a positive multiple of 64`);
  }

  /** A zeroed block (its number). */
  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      new Uint8Array(this.bufferOf(reused), this.offsetOf(reused), this.blockBytes).fill(0);
      return reused;
    }
    const block = this.used++;
    if (block >= this.pages.length * this.blocksPerPage)
      this.pages.push(
        this.shared
          ? new SharedArrayBuffer(this.blockBytes * this.blocksPerPage)
          : new ArrayBuffer(this.blockBytes * this.blocksPerPage),
      );
    return block;
  }

  /** Returns a block; nothing may read or write through its views afterwards. */
  release(block: number): void {
    this.free.push(block);
  }

  /** Pages so far (a page's blocks are `page * blocksPerPage` onwards). */
  get pageCount(): number {
    return this.pages.length;
  }

  page(index: number): ArrayBufferLike {
    return this.pages[index]!;
  }

  bufferOf(block: number): ArrayBufferLike {
    return this.pages[Math.floor(block / this.blocksPerPage)]!;
  }

  offsetOf(block: number): number {
    return (block % this.blocksPerPage) * this.blockBytes;
  }

  /** Blocks in use (allocated and not released). */
  get blocksInUse(): number {
    return this.used - this.free.length;
  }
}
