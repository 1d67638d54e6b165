/** Parsed statements of one module (after preprocessing). Names are upper-cased; tokens kept for diagnostics. */
import type { Token } from './tokens.js';

export type Operand =
  | { readonly kind: 'register'; readonly name: string; readonly tok: Token }
  | { readonly kind: 'number'; readonly value: number; readonly tok: Token }
  | { readonly kind: 'typed'; readonly type: number; readonly value: number; readonly tok: Token }
  | { readonly kind: 'vector'; readonly components: readonly number[]; readonly tok: Token }
  | { readonly kind: 'name'; readonly name: string; readonly tok: Token };

/** One dimension of a `.PLACE` target: a value, `a..b`, `a:step:b`, or `*`. */
export type PlacementAxis =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'range'; readonly from: number; readonly to: number; readonly step: number }
  | { readonly kind: 'wildcard' };

export interface Placement {
  readonly axes: readonly PlacementAxis[];
  readonly tok: Token;
}

export type ParamKind = 'REF' | 'VAL' | 'LREF' | 'LVAL';
export const PARAM_KINDS: readonly ParamKind[] = ['REF', 'VAL', 'LREF', 'LVAL'];

export interface CallArgument {
  readonly kind: ParamKind;
  readonly operand: Operand;
}

export type Statement =
  | { readonly kind: 'label'; readonly name: string; readonly exported: boolean; readonly tok: Token }
  | {
      readonly kind: 'instruction';
      readonly mnemonic: string;
      readonly operands: readonly Operand[];
      readonly tok: Token;
    }
  | { readonly kind: 'call'; readonly target: Operand; readonly args: readonly CallArgument[]; readonly tok: Token }
  | { readonly kind: 'org' | 'dir'; readonly vector: Operand; readonly tok: Token }
  | {
      readonly kind: 'define';
      readonly name: string;
      readonly value: Operand;
      readonly exported: boolean;
      readonly tok: Token;
      readonly nameTok: Token;
    }
  | {
      readonly kind: 'reg';
      readonly alias: string;
      readonly register: Operand;
      readonly tok: Token;
      readonly aliasTok: Token;
    }
  | {
      readonly kind: 'place';
      readonly molecule: Operand;
      readonly placements: readonly Placement[];
      readonly tok: Token;
    }
  | {
      readonly kind: 'proc';
      readonly name: string;
      readonly exported: boolean;
      readonly params: readonly { readonly kind: ParamKind; readonly name: string; readonly tok: Token }[];
      readonly tok: Token;
      readonly nameTok: Token;
    }
  | { readonly kind: 'endp'; readonly tok: Token }
  | {
      readonly kind: 'import';
      readonly path: string;
      readonly alias: string;
      readonly using: readonly { readonly source: string; readonly target: string; readonly tok: Token }[];
      readonly tok: Token;
      readonly pathTok: Token;
    }
  | {
      readonly kind: 'require';
      readonly path: string;
      readonly alias: string;
      readonly tok: Token;
      readonly pathTok: Token;
    };
