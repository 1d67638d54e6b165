/** Vital statistics: birth and death rates and the lifespan of those that died. */
import { bornSincePreviousSample, type MetricPlugin } from '../metric-plugin.js';

export const vitalStatisticsPlugin: MetricPlugin = {
  id: 'vital_statistics',
  version: 1,
  kind: 'per-tick',
  doc: 'Per-capita birth and death rates per tick and the lifespan of the organisms that died at the tick.',
  columns: [
    { name: 'birth_rate', type: 'double', doc: 'Births since the previous sample ÷ living organisms ÷ ticks between samples.' },
    { name: 'death_rate', type: 'double', doc: 'Deaths at the tick ÷ organisms present (living + dying).' },
    { name: 'lifespan_mean', type: 'double', doc: 'Mean age in ticks of the organisms that died at the tick (null when none died).' },
    { name: 'lifespan_max', type: 'double', doc: 'Largest age at death (null when none died).' },
  ],
  measure(s, emit) {
    let alive = 0;
    let born = 0;
    let died = 0;
    let lifeSum = 0;
    let lifeMax = 0;
    for (const o of s.organisms) {
      if (bornSincePreviousSample(o, s)) born++;
      if (!o.isDead) {
        alive++;
        continue;
      }
      died++;
      const life = (o.deathTick || s.tick) - o.birthTick;
      lifeSum += life;
      lifeMax = Math.max(lifeMax, life);
    }
    const present = alive + died;
    emit([
      alive > 0 ? born / alive / s.samplingInterval : 0,
      present > 0 ? died / present : 0,
      died > 0 ? lifeSum / died : null,
      died > 0 ? lifeMax : null,
    ]);
  },
};
