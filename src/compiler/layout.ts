/**
 * Layout: assigns every IR cell a coordinate relative to the program origin. Each label, opcode and operand
 * takes the cell at the cursor, then the cursor moves one step along `.DIR` — so after a `.DIR` change the
 * next cell is still the one the old direction chose. `.ORG` and `.PLACE` are relative to the current
 * module's base (where it was imported); leaving a module restores base and direction, not the cursor.
 */
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { IrItem, IrOperand } from './ir.js';
import type { Token } from './tokens.js';

export type CellContent =
  | { readonly kind: 'label'; readonly label: string }
  | { readonly kind: 'opcode'; readonly opcode: number }
  | { readonly kind: 'operand'; readonly operand: IrOperand; readonly component: number };

export interface LaidOutCell {
  readonly coord: readonly number[];
  readonly content: CellContent;
  /** Source token of the statement that produced the cell. */
  readonly at: Token;
  /** Index of the IR item; cells of one instruction share it. */
  readonly item: number;
}

export interface LaidOutObject {
  readonly coord: readonly number[];
  readonly packed: number;
  readonly at: Token;
}

export interface Layout {
  /** In linear-address order. */
  readonly cells: LaidOutCell[];
  /** `.PLACE` results; a later placement on the same coordinate replaces the earlier one. */
  readonly objects: LaidOutObject[];
}

/** Upper bound on `.PLACE` cells, so `0..999999999|*` is a diagnostic, not an out-of-memory crash. */
export const MAX_WORLD_OBJECTS = 1_000_000;

export function layOut(items: readonly IrItem[], shape: readonly number[], diags: DiagnosticBag): Layout {
  const dims = shape.length;
  const zero = () => new Array<number>(dims).fill(0);
  const unitX = () => {
    const v = zero();
    v[0] = 1;
    return v;
  };
  let base = zero();
  let cursor = zero();
  let dir = unitX();
  const stack: { base: number[]; dir: number[] }[] = [];
  const cells: LaidOutCell[] = [];
  const occupied = new Map<string, LaidOutCell>();
  const objects = new Map<string, LaidOutObject>();
  let objectBudget = MAX_WORLD_OBJECTS;

  const take = (content: CellContent, at: Token, item: number): void => {
    const coord = [...cursor];
    cursor = cursor.map((c, d) => c + dir[d]!);
    const key = coord.join('|');
    const prior = occupied.get(key);
    if (prior !== undefined) {
      diags.error(
        DiagnosticCode.ADDRESS_CONFLICT,
        `Address conflict: cell ${key} is already occupied by code from ${prior.at.file}:${prior.at.line} ('${prior.at.text}'); cannot place '${at.text}' there.`,
        at,
      );
      return;
    }
    const cell: LaidOutCell = { coord, content, at, item };
    occupied.set(key, cell);
    cells.push(cell);
  };

  items.forEach((it, index) => {
    switch (it.kind) {
      case 'org':
        cursor = base.map((b, d) => b + it.vector[d]!);
        break;
      case 'dir':
        dir = [...it.vector];
        break;
      case 'enter':
        stack.push({ base, dir });
        base = [...cursor];
        break;
      case 'exit': {
        const top = stack.pop();
        if (top) ({ base, dir } = top);
        break;
      }
      case 'label':
        take({ kind: 'label', label: it.label }, it.at, index);
        break;
      case 'instruction':
        take({ kind: 'opcode', opcode: it.info.opcode }, it.at, index);
        for (const o of it.operands) {
          const width = o.kind === 'vector' || o.kind === 'labelvector' ? dims : 1;
          for (let c = 0; c < width; c++) take({ kind: 'operand', operand: o, component: c }, it.at, index);
        }
        break;
      case 'place':
        for (const p of it.placements) {
          const axes = p.axes.map((a, d) => {
            if (a.kind === 'value') return [a.value];
            const from = a.kind === 'wildcard' ? 0 : a.from;
            const to = a.kind === 'wildcard' ? shape[d]! - 1 : a.to;
            const step = a.kind === 'wildcard' ? 1 : a.step;
            const count = Math.floor((to - from) / step) + 1;
            if (count > objectBudget) return undefined;
            return Array.from({ length: count }, (_, k) => from + k * step);
          });
          const total = axes.reduce((n, a) => (a === undefined ? Infinity : n * a.length), 1);
          if (total > objectBudget) {
            diags.error(
              DiagnosticCode.LIMIT,
              `.PLACE would create more than ${MAX_WORLD_OBJECTS} world objects.`,
              p.tok,
            );
            objectBudget = 0;
            continue;
          }
          objectBudget -= total;
          for (const rel of cartesian(axes as number[][])) {
            const coord = rel.map((r, d) => base[d]! + r);
            const key = coord.join('|');
            objects.delete(key); // re-insert so the latest placement also decides the order
            objects.set(key, { coord, packed: it.packed, at: it.at });
          }
        }
        break;
    }
  });
  return { cells, objects: [...objects.values()] };
}

function cartesian(axes: readonly number[][]): number[][] {
  let acc: number[][] = [[]];
  for (const values of axes) {
    const next: number[][] = [];
    for (const prefix of acc) for (const v of values) next.push([...prefix, v]);
    acc = next;
  }
  return acc;
}
