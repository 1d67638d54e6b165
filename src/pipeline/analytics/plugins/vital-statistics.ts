/** Vital statistics: birth and death rates and the lifespan of those that died. */
import type { MetricPlugin } from '../metric-plugin.js';

export const vitalStatisticsPlugin: MetricPlugin = {
  id: 'vital_statistics',
  version: 1,
  kind: 'per-tick',
  doc: 'Per-capita birth and death rates per tick since the previous row, and the lifespan of the organisms that died in that time.',
  columns: [
    { name: 'birth_rate', type: 'double', doc: 'Births ÷ living organisms ÷ ticks since the previous row.' },
    { name: 'death_rate', type: 'double', doc: 'Deaths ÷ (living + dead) ÷ ticks since the previous row.' },
    {
      name: 'lifespan_mean',
      type: 'double',
      doc: 'Mean age in ticks at death of the organisms that died (null when none died).',
    },
    { name: 'lifespan_max', type: 'double', doc: 'Largest age at death (null when none died).' },
  ],
  measure(s, emit) {
    const alive = s.alive;
    const born = s.events.born.length;
    const died = s.events.died.length;
    let lifeSum = 0;
    let lifeMax = 0;
    for (const o of s.events.died) {
      const life = o.deathTick - o.birthTick;
      lifeSum += life;
      lifeMax = Math.max(lifeMax, life);
    }
    const span = Math.max(1, s.span);
    emit([
      alive > 0 ? born / alive / span : 0,
      alive + died > 0 ? died / (alive + died) / span : 0,
      died > 0 ? lifeSum / died : null,
      died > 0 ? lifeMax : null,
    ]);
  },
};
