/**
 * Organism generations in one run: a founder (no parent) is generation 0, a child its parent's + 1. Worked out
 * from parent ids: those of the organisms asked about, then the index's rows of ancestors not met before, one
 * batched look-up per generation up the tree. Every generation found is kept, so the next tick only looks up
 * its newborns' parents (usually known already).
 */

export interface ParentLink {
  readonly organismId: number;
  readonly parentId: number | null;
}

/** The index's rows of the organisms named (any order; an id not in the index is left out). */
export type ParentRows = (ids: readonly number[]) => Promise<readonly ParentLink[]>;

export class Generations {
  private readonly gen = new Map<number, number>();

  /** `maxKnown` bounds the memory: past it the generations known are forgotten and found again when asked. */
  constructor(private readonly maxKnown = 1_000_000) {}

  /** The generation of each organism in `organisms`. */
  async of(organisms: readonly ParentLink[], rows: ParentRows): Promise<Map<number, number>> {
    if (this.gen.size > this.maxKnown) this.gen.clear();
    const parent = new Map<number, number | null>();
    for (const o of organisms) parent.set(o.organismId, parentOf(o));
    const unknown = (id: number | null): id is number => id !== null && !this.gen.has(id) && !parent.has(id);
    let ask = [...new Set(organisms.map(parentOf).filter(unknown))];
    while (ask.length > 0) {
      const found = await rows(ask);
      for (const row of found) parent.set(row.organismId, parentOf(row));
      // An ancestor missing from the index ends its chain: counted as a founder.
      for (const id of ask) if (!parent.has(id)) parent.set(id, null);
      ask = [...new Set(found.map(parentOf).filter(unknown))];
    }
    const out = new Map<number, number>();
    for (const o of organisms) out.set(o.organismId, this.resolve(o.organismId, parent));
    return out;
  }

  private resolve(id: number, parent: ReadonlyMap<number, number | null>): number {
    const chain: number[] = [];
    let at: number | null = id;
    let g = -1;
    while (at !== null) {
      const known = this.gen.get(at);
      if (known !== undefined) {
        g = known;
        break;
      }
      chain.push(at);
      at = parent.get(at) ?? null;
    }
    for (let i = chain.length - 1; i >= 0; i--) this.gen.set(chain[i]!, ++g);
    return g;
  }
}

/**
 * Ids are handed out in order of birth, so a parent's id is below its child's; a link that says otherwise (a damaged
 * row) is dropped, which also keeps a walk up the tree from looping.
 */
function parentOf(o: ParentLink): number | null {
  return o.parentId !== null && o.parentId >= 0 && o.parentId < o.organismId ? o.parentId : null;
}
