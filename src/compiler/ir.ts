/**
 * Intermediate representation: a flat, fully resolved list of layout items in source order, with imported
 * modules inlined between `enter`/`exit`. Labels are qualified names; nothing here needs symbol tables.
 */
import type { OpcodeInfo } from '../isa/index.js';
import type { Placement } from './ast.js';
import type { Token } from './tokens.js';

export type IrOperand =
  | { readonly kind: 'register'; readonly id: number }
  | { readonly kind: 'immediate'; readonly packed: number }
  | { readonly kind: 'vector'; readonly components: readonly number[] }
  | { readonly kind: 'labelref'; readonly label: string }
  /** Reference-compatible mode only: a label written where a vector belongs (one cell emitted, n reserved). */
  | { readonly kind: 'labelvector'; readonly label: string };

export type IrItem =
  | {
      readonly kind: 'instruction';
      readonly info: OpcodeInfo;
      readonly operands: readonly IrOperand[];
      readonly at: Token;
      readonly synthetic: boolean;
    }
  | { readonly kind: 'label'; readonly label: string; readonly at: Token; readonly synthetic: boolean }
  | { readonly kind: 'org' | 'dir'; readonly vector: readonly number[]; readonly at: Token }
  | { readonly kind: 'place'; readonly packed: number; readonly placements: readonly Placement[]; readonly at: Token }
  | { readonly kind: 'enter'; readonly at: Token }
  | { readonly kind: 'exit' };
