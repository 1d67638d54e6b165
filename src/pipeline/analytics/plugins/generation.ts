/** Generation depth: how many births separate the living organisms from the initial ones. */
import type { MetricPlugin } from '../metric-plugin.js';

export const generationPlugin: MetricPlugin = {
  id: 'generation',
  version: 1,
  kind: 'per-tick',
  doc: 'Generation depth of the living organisms (the initial ones are generation 0, a child its parent’s + 1).',
  columns: [
    { name: 'generation_mean', type: 'double', doc: 'Mean generation of the living organisms whose lineage is known.' },
    { name: 'generation_min', type: 'int', doc: 'Lowest generation alive (null when none is known).' },
    { name: 'generation_max', type: 'int', doc: 'Highest generation alive (null when none is known).' },
    {
      name: 'generation_unknown',
      type: 'int',
      doc: 'Living organisms whose lineage the analytics did not see from the start (a run resumed from another, or analysed out of order).',
    },
  ],
  measure(s, emit) {
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let unknown = 0;
    for (const o of s.organisms) {
      if (o.isDead) continue;
      if (o.generation < 0) {
        unknown++;
        continue;
      }
      n++;
      sum += o.generation;
      min = Math.min(min, o.generation);
      max = Math.max(max, o.generation);
    }
    emit([n > 0 ? sum / n : null, n > 0 ? min : null, n > 0 ? max : null, unknown]);
  },
};
