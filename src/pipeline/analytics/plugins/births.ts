/** Births: one row per organism when it first appears in the recording (the phylogeny's nodes). */
import type { MetricPlugin } from '../metric-plugin.js';

export const birthsPlugin: MetricPlugin = {
  id: 'births',
  version: 1,
  kind: 'events',
  doc: 'One row per organism born (initial organisms included): its parent, genome and place of birth. `tick` is the sample it first appeared in.',
  columns: [
    { name: 'organism_id', type: 'int', doc: 'The organism’s id.' },
    { name: 'parent_id', type: 'int', doc: 'Its parent’s id; null for the initial organisms.' },
    { name: 'birth_tick', type: 'int', doc: 'Tick of birth.' },
    { name: 'genome_hash', type: 'string', doc: 'Hash of its genome at birth.' },
    { name: 'program_id', type: 'string', doc: 'Program it descends from.' },
    { name: 'position', type: 'string', doc: 'Initial position, coordinates joined by commas.' },
    { name: 'energy', type: 'int', doc: 'Energy at its first sample.' },
    { name: 'generation', type: 'int', doc: 'Births from the initial organisms (null when its lineage is unknown).' },
  ],
  measure(s, emit) {
    for (const o of s.events.born)
      emit([
        o.organismId,
        o.parentId >= 0 ? o.parentId : null,
        o.birthTick,
        o.genomeHash,
        o.programId,
        (o.initialPosition?.components ?? []).join(','),
        o.energy,
        o.generation >= 0 ? o.generation : null,
      ]);
  },
};
