/** Energy and entropy distributions of the living organisms. */
import { distributionColumns, distributionRow, type MetricPlugin } from '../metric-plugin.js';

export const energyPlugin: MetricPlugin = {
  id: 'energy',
  version: 1,
  kind: 'per-tick',
  doc: 'Distribution of the living organisms’ energy (ER) and entropy (SR): mean, min, median, 90th percentile, max, sum.',
  columns: [...distributionColumns('energy', 'energy'), ...distributionColumns('entropy', 'entropy')],
  measure(s, emit) {
    const energy: number[] = [];
    const entropy: number[] = [];
    for (const o of s.organisms) {
      if (o.isDead) continue;
      energy.push(o.energy);
      entropy.push(o.entropyRegister);
    }
    emit([...distributionRow(energy), ...distributionRow(entropy)]);
  },
};
