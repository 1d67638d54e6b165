/**
 * A run's phylogeny from its organisms (births joined with deaths): the ALife data standard's CSV
 * (https://alife-data-standards.github.io: `id`, `ancestor_list`, `origin_time`, `destruction_time`, plus our
 * columns) and Newick for tree tools. Both are built without recursion, so chains of any depth work.
 */

export interface PhyloOrganism {
  readonly id: number;
  readonly parentId: number | null;
  readonly birthTick: number;
  readonly deathTick: number | null;
  readonly genomeHash: string;
  readonly programId: string;
  readonly deathCause: string | null;
}

export interface Phylogeny {
  /** Organisms in id order with their generation (roots 0) and parent as used (null for roots). */
  readonly nodes: ReadonlyArray<PhyloOrganism & { readonly generation: number; readonly ancestor: number | null }>;
  /** Organisms whose recorded parent is not in the recording (e.g. a resumed run): exported as roots. */
  readonly orphans: number;
}

export function buildPhylogeny(organisms: readonly PhyloOrganism[]): Phylogeny {
  const byId = new Map<number, PhyloOrganism>();
  for (const o of organisms) byId.set(o.id, o);
  const sorted = [...organisms].sort((a, b) => a.birthTick - b.birthTick || a.id - b.id);
  const generation = new Map<number, number>();
  let orphans = 0;
  const nodes: Array<PhyloOrganism & { generation: number; ancestor: number | null }> = [];
  for (const o of sorted) {
    let ancestor: number | null = o.parentId;
    if (ancestor !== null && !byId.has(ancestor)) {
      orphans++;
      ancestor = null;
    }
    const g = ancestor === null ? 0 : (generation.get(ancestor) ?? 0) + 1;
    generation.set(o.id, g);
    nodes.push({ ...o, generation: g, ancestor });
  }
  nodes.sort((a, b) => a.id - b.id);
  return { nodes, orphans };
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The ALife standard CSV: one row per organism; `[none]` for roots, `inf` for those still alive. */
export function alifeCsv(p: Phylogeny): string {
  const lines = ['id,ancestor_list,origin_time,destruction_time,generation,genome_hash,program_id,death_cause'];
  for (const n of p.nodes)
    lines.push(
      [
        String(n.id),
        n.ancestor === null ? '[none]' : `[${n.ancestor}]`,
        String(n.birthTick),
        n.deathTick === null ? 'inf' : String(n.deathTick),
        String(n.generation),
        csvField(n.genomeHash),
        csvField(n.programId),
        csvField(n.deathCause ?? ''),
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Newick: each organism is a node labelled with its id, its branch length the ticks from its parent's birth
 * to its own. Several roots hang under one unnamed root.
 */
export function newick(p: Phylogeny): string {
  const children = new Map<number | null, number[]>();
  const birth = new Map<number, number>();
  for (const n of p.nodes) {
    birth.set(n.id, n.birthTick);
    let list = children.get(n.ancestor);
    if (!list) children.set(n.ancestor, (list = []));
    list.push(n.id);
  }
  const roots = children.get(null) ?? [];
  // Post-order without recursion: a frame is entered (children pushed), then closed (its text assembled).
  const text = new Map<number, string>();
  const stack: Array<{ id: number; entered: boolean }> = roots.map((id) => ({ id, entered: false })).reverse();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const kids = children.get(top.id) ?? [];
    if (!top.entered) {
      top.entered = true;
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ id: kids[i]!, entered: false });
      continue;
    }
    stack.pop();
    const inner = kids.map((k) => `${text.get(k)!}:${birth.get(k)! - birth.get(top.id)!}`);
    for (const k of kids) text.delete(k);
    text.set(top.id, inner.length > 0 ? `(${inner.join(',')})${top.id}` : String(top.id));
  }
  if (roots.length === 1) return `${text.get(roots[0]!)!};\n`;
  return `(${roots.map((r) => `${text.get(r)!}:0`).join(',')});\n`;
}
