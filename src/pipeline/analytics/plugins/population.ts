/** Population: how many organisms live, are born and die. */
import type { MetricPlugin } from '../metric-plugin.js';

export const populationPlugin: MetricPlugin = {
  id: 'population',
  version: 1,
  kind: 'per-tick',
  everySample: true,
  doc: 'Living organisms, births and deaths per sampled tick (at any resolution), and organisms created since the run began.',
  columns: [
    { name: 'alive', type: 'int', doc: 'Organisms alive at the tick.' },
    { name: 'born', type: 'int', doc: 'Organisms born since the previous row (every birth counted once).' },
    { name: 'died', type: 'int', doc: 'Organisms that died since the previous row (every death counted once).' },
    { name: 'total_created', type: 'int', doc: 'Organisms created since the run began (including the initial ones).' },
  ],
  measure(s, emit) {
    emit([s.alive, s.events.born.length, s.events.died.length, s.totalOrganismsCreated]);
  },
};
