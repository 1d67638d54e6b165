/** Environment composition: cells per molecule type and the energy lying in the world. */
import { MOLECULE_TYPE_NAMES } from '../../../isa/molecule.js';
import type { MetricColumn, MetricPlugin } from '../metric-plugin.js';

const typeColumns: MetricColumn[] = MOLECULE_TYPE_NAMES.map((t) => ({
  name: `${t.toLowerCase()}_cells`,
  type: 'int',
  doc: `Non-empty cells holding a ${t} molecule.`,
}));

export const environmentPlugin: MetricPlugin = {
  id: 'environment',
  version: 1,
  kind: 'per-tick',
  needsCells: true,
  doc: 'What the world holds: non-empty cells per molecule type, owned cells, and the energy in ENERGY molecules.',
  columns: [
    { name: 'occupied_cells', type: 'int', doc: 'Cells that are non-empty or owned.' },
    { name: 'owned_cells', type: 'int', doc: 'Cells owned by an organism.' },
    { name: 'energy_in_world', type: 'int', doc: 'Sum of the values of all ENERGY molecules.' },
    ...typeColumns,
  ],
  measure(s, emit) {
    const c = s.cells!;
    emit([c.occupiedCells, c.ownedCells, c.energyInWorld, ...MOLECULE_TYPE_NAMES.map((_, i) => c.cellsByType[i] ?? 0)]);
  },
};
