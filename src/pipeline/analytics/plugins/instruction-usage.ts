/** Instruction usage: which opcode families the organisms executed at the tick. */
import { FAMILY_NAMES, familyOf } from '../../../isa/opcodes.js';
import type { MetricColumn, MetricPlugin } from '../metric-plugin.js';

const familyColumns: MetricColumn[] = FAMILY_NAMES.map((f) => ({
  name: f.toLowerCase(),
  type: 'int',
  doc: `Organisms whose last instruction was of the ${f} family.`,
}));

export const instructionUsagePlugin: MetricPlugin = {
  id: 'instruction_usage',
  version: 1,
  kind: 'per-tick',
  doc: 'Executed instructions per opcode family (each organism’s last instruction at the tick) and how many failed.',
  columns: [
    { name: 'executed', type: 'int', doc: 'Organisms that have executed an instruction (last opcode known).' },
    { name: 'failed', type: 'int', doc: 'Organisms whose last instruction failed.' },
    ...familyColumns,
  ],
  measure(s, emit) {
    const perFamily = new Array<number>(FAMILY_NAMES.length).fill(0);
    let executed = 0;
    let failed = 0;
    for (const o of s.organisms) {
      if (o.lastOpcodeId < 0) continue;
      executed++;
      if (o.instructionFailed) failed++;
      const f = familyOf(o.lastOpcodeId);
      if (f >= 0 && f < perFamily.length) perFamily[f]!++;
    }
    emit([executed, failed, ...perFamily]);
  },
};
