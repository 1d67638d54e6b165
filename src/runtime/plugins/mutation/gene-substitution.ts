import { OPCODES, instructionLength, familyOf, operationOf, variantOf } from '../../../isa/opcodes.js';
import { BANK_COUNT } from '../../organism.js';
import type { Organism } from '../../organism.js';
import { num } from '../plugin-options.js';
import type { BirthHandler, PluginHost } from '../types.js';

const CODE = 0;
const DATA = 1;
const LABEL = 4;
const LABELREF = 5;
const REGISTER = 6;

/**
 * Point mutation at birth (probability `rate`): one non-empty owned molecule, chosen uniformly, changes.
 * CODE: operation (0.7), family (0.2) or variant of the same arity (0.1) to a registered opcode of the same
 * length; REGISTER ±1 within its bank; DATA ± up to |v|^0.7; LABEL/LABELREF: one of 19 bits flipped.
 * ENERGY and STRUCTURE never mutate.
 */
export class GeneSubstitutionPlugin implements BirthHandler {
  readonly kind = 'geneSubstitution';
  private readonly rate: number;

  constructor(o: Record<string, unknown>) {
    this.rate = num(o, 'rate', 0.025);
  }

  onBirth(sim: PluginHost, child: Organism): void {
    const rng = sim.pluginRandom;
    if (rng.nextDouble() >= this.rate) return;
    const world = sim.world;
    const cells = world.ownedCellsSorted(child.id);
    const candidates: number[] = [];
    for (const idx of cells) {
      const t = (world.cells[idx]! >>> 20) & 0xff;
      if (world.cells[idx] !== 0 && t !== 2 && t !== 3) candidates.push(idx);
    }
    if (candidates.length === 0) return;
    const idx = candidates[rng.nextInt(candidates.length)]!;
    const mol = world.cells[idx]!;
    const type = (mol >>> 20) & 0xff;
    const value = (mol << 12) >> 12;
    const marker = mol & 0xf0000000;
    let nv = value;
    if (type === CODE)
      nv = mutateOpcode(
        value,
        world.dims,
        () => rng.nextDouble(),
        (n) => rng.nextInt(n),
      );
    else if (type === REGISTER) {
      const bank = value >> 8;
      const count = BANK_COUNT[(bank & 7) as 0];
      const i = Math.max(0, Math.min(count - 1, (value & 0xff) + (rng.nextInt(2) === 0 ? -1 : 1)));
      nv = (bank << 8) | i;
    } else if (type === DATA) {
      const d = Math.max(1, Math.round(Math.abs(value) ** 0.7));
      nv = Math.max(0, Math.min(0xfffff, value + rng.nextInt(2 * d + 1) - d));
    } else if (type === LABEL || type === LABELREF) nv = value ^ (1 << rng.nextInt(19));
    if (nv === value) return;
    world.setCell(idx, type === CODE && nv === 0 ? 0 : marker | (type << 20) | (nv & 0xfffff), child.id);
  }
}

function mutateOpcode(op: number, dims: number, rand: () => number, randInt: (n: number) => number): number {
  const info = OPCODES.find((o) => o.opcode === op);
  if (!info) return op;
  const len = instructionLength(info, dims);
  const r = rand();
  const fam = familyOf(op);
  const oper = operationOf(op);
  const variant = variantOf(op);
  const arity = variant >> 4;
  const pool = OPCODES.filter((o) => {
    if (o.opcode === op || o.opcode === 0 || instructionLength(o, dims) !== len) return false;
    if (r < 0.7) return familyOf(o.opcode) === fam && operationOf(o.opcode) !== oper;
    if (r < 0.9) return familyOf(o.opcode) !== fam;
    return familyOf(o.opcode) === fam && operationOf(o.opcode) === oper && variantOf(o.opcode) >> 4 === arity;
  });
  if (pool.length === 0) return op;
  return pool[randInt(pool.length)]!.opcode;
}
