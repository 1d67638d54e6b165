/** Genome diversity: distinct genomes among the living, Shannon and Simpson indices, the dominant genome. */
import type { MetricPlugin } from '../metric-plugin.js';
import { shannonIndex } from '../diversity.js';

export const genomeDiversityPlugin: MetricPlugin = {
  id: 'genome_diversity',
  version: 1,
  kind: 'per-tick',
  doc: 'Distinct genomes (by genome hash) among the living organisms, diversity indices and the most abundant genome.',
  columns: [
    { name: 'genomes', type: 'int', doc: 'Distinct genome hashes among the living organisms.' },
    {
      name: 'shannon',
      type: 'double',
      doc: 'Shannon index H = −Σ pᵢ ln pᵢ over genome frequencies (0 for one genome).',
    },
    {
      name: 'simpson',
      type: 'double',
      doc: 'Simpson diversity 1 − Σ pᵢ² (the chance two random organisms differ in genome).',
    },
    { name: 'dominant_genome', type: 'string', doc: 'Hash of the most abundant genome (ties: the smallest hash).' },
    { name: 'dominant_count', type: 'int', doc: 'Living organisms with the dominant genome.' },
    { name: 'dominant_share', type: 'double', doc: 'dominant_count ÷ living organisms.' },
  ],
  measure(s, emit) {
    const counts = new Map<string, number>();
    let alive = 0;
    for (const o of s.organisms) {
      if (o.isDead) continue;
      alive++;
      counts.set(o.genomeHash, (counts.get(o.genomeHash) ?? 0) + 1);
    }
    const shannon = shannonIndex(counts.values(), alive);
    let sumSq = 0;
    let dominant = '';
    let dominantCount = 0;
    for (const [hash, n] of counts) {
      const p = n / alive;
      sumSq += p * p;
      if (n > dominantCount || (n === dominantCount && hash < dominant)) {
        dominant = hash;
        dominantCount = n;
      }
    }
    emit([
      counts.size,
      shannon === 0 ? 0 : shannon,
      alive > 0 ? 1 - sumSq : 0,
      dominant,
      dominantCount,
      alive > 0 ? dominantCount / alive : 0,
    ]);
  },
};
