import { describe, expect, it } from 'vitest';
import { alifeCsv, buildPhylogeny, newick, type PhyloOrganism } from '../../../src/analyzer/phylogeny.js';

function o(id: number, parentId: number | null, birthTick: number, deathTick: number | null = null): PhyloOrganism {
  return {
    id,
    parentId,
    birthTick,
    deathTick,
    genomeHash: `g${id % 3}`,
    programId: 'p',
    deathCause: deathTick === null ? null : 'energy',
  };
}

describe('phylogeny', () => {
  const tree = [o(1, null, 0, 500), o(2, 1, 100), o(3, 1, 200, 300), o(4, 2, 250), o(7, 99, 260)];

  it('ALife CSV: every ancestor exists, roots say [none], the living inf, generations counted', () => {
    const p = buildPhylogeny(tree);
    expect(p.orphans).toBe(1);
    const csv = alifeCsv(p).trim().split('\n');
    expect(csv[0]).toBe('id,ancestor_list,origin_time,destruction_time,generation,genome_hash,program_id,death_cause');
    const rows = csv.slice(1).map((l) => l.split(','));
    const ids = new Set(rows.map((r) => r[0]));
    for (const r of rows) {
      if (r[1] === '[none]') continue;
      expect(ids.has(r[1]!.slice(1, -1)), `ancestor of ${r[0]}`).toBe(true);
    }
    expect(rows.find((r) => r[0] === '1')).toEqual(['1', '[none]', '0', '500', '0', 'g1', 'p', 'energy']);
    expect(rows.find((r) => r[0] === '4')!.slice(1, 5)).toEqual(['[2]', '250', 'inf', '2']);
    // A parent that is not in the recording: exported as a root.
    expect(rows.find((r) => r[0] === '7')![1]).toBe('[none]');
  });

  it('Newick: nested children with branch lengths in ticks; several roots under one', () => {
    expect(newick(buildPhylogeny(tree.slice(0, 4)))).toBe('((4:150)2:100,3:200)1;\n');
    expect(newick(buildPhylogeny(tree))).toBe('(((4:150)2:100,3:200)1:0,7:0);\n');
  });

  it('handles a chain 20,000 generations deep without recursion', () => {
    const chain: PhyloOrganism[] = [];
    for (let i = 1; i <= 20_000; i++) chain.push(o(i, i === 1 ? null : i - 1, i));
    const p = buildPhylogeny(chain);
    expect(p.nodes[p.nodes.length - 1]!.generation).toBe(19_999);
    const nwk = newick(p);
    expect(nwk.startsWith('('.repeat(19_999))).toBe(true);
    expect(nwk.endsWith(')1;\n')).toBe(true);
  });
});
