/** Population: how many organisms live, are born and die at each sampled tick. */
import { bornSincePreviousSample, type MetricPlugin } from '../metric-plugin.js';

export const populationPlugin: MetricPlugin = {
  id: 'population',
  version: 1,
  kind: 'per-tick',
  doc: 'Living organisms, births and deaths per sampled tick, and organisms created since the run began.',
  columns: [
    { name: 'alive', type: 'int', doc: 'Organisms alive at the tick.' },
    { name: 'born', type: 'int', doc: 'Organisms born since the previous sample (at samplingInterval 1: in the step that led to this tick).' },
    {
      name: 'died',
      type: 'int',
      doc: 'Organisms that died in the step that led to this tick (with samplingInterval > 1 deaths between samples are not seen).',
    },
    { name: 'total_created', type: 'int', doc: 'Organisms created since the run began (including the initial ones).' },
  ],
  measure(s, emit) {
    let alive = 0;
    let born = 0;
    let died = 0;
    for (const o of s.organisms) {
      if (o.isDead) died++;
      else alive++;
      if (bornSincePreviousSample(o, s)) born++;
    }
    emit([alive, born, died, s.totalOrganismsCreated]);
  },
};
