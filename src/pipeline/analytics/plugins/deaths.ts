/** Deaths: one row per organism that died, with its lifespan and the cause. */
import type { MetricPlugin } from '../metric-plugin.js';

export const deathsPlugin: MetricPlugin = {
  id: 'deaths',
  version: 1,
  kind: 'events',
  doc: 'One row per organism that died: when, at what age, why, and its genome. `tick` is the sample that recorded the death.',
  columns: [
    { name: 'organism_id', type: 'int', doc: 'The organism’s id.' },
    { name: 'death_tick', type: 'int', doc: 'Tick of death.' },
    { name: 'birth_tick', type: 'int', doc: 'Tick of birth.' },
    { name: 'lifespan', type: 'int', doc: 'death_tick − birth_tick.' },
    { name: 'cause', type: 'string', doc: 'Why it died (e.g. energy exhausted), as the runtime records it.' },
    { name: 'genome_hash', type: 'string', doc: 'Hash of its genome.' },
  ],
  measure(s, emit) {
    for (const o of s.events.died)
      emit([o.organismId, o.deathTick, o.birthTick, o.deathTick - o.birthTick, o.deathCause, o.genomeHash]);
  },
};
