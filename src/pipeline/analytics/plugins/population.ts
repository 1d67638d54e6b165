/** Population: how many organisms live, are born and die. */
import type { MetricPlugin } from '../metric-plugin.js';

/** The row, refilled at every sample (emit copies it). */
const row = [0, 0, 0, 0];

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
    row[0] = s.alive;
    row[1] = s.events.born.length;
    row[2] = s.events.died.length;
    row[3] = s.totalOrganismsCreated;
    emit(row);
  },
};
