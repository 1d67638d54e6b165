/** Age distribution of the living organisms (ticks since birth). */
import { distributionColumns, distributionRow, type MetricPlugin } from '../metric-plugin.js';

export const agePlugin: MetricPlugin = {
  id: 'age',
  version: 1,
  kind: 'per-tick',
  doc: 'Distribution of the living organisms’ ages in ticks: mean, min, median, 90th percentile, max, sum.',
  columns: distributionColumns('age', 'age in ticks'),
  measure(s, emit) {
    const ages: number[] = [];
    for (const o of s.organisms) if (!o.isDead) ages.push(s.tick - o.birthTick);
    emit(distributionRow(ages));
  },
};
