/** Options for one compilation: the world (vector operand length depends on it), source roots, compat mode. */
import { CompileErrorCode } from './error-codes.js';

export interface WorldShape {
  /** Cells per dimension, e.g. `[100, 100]`. The number of entries is the world's dimensionality. */
  readonly shape: readonly number[];
  readonly toroidal: boolean;
}

export interface CompileOptions {
  /** Default: 100x100 torus. */
  readonly world?: WorldShape;
  /**
   * Roots that `.IMPORT`/`.REQUIRE`/`.SOURCE` paths resolve against, tried in order. A root may carry a prefix
   * (`{ prefix: 'std', path: '/lib/evo' }`) selected with `"std:file.evo"`. Default: the main file's folder.
   */
  readonly sourceRoots?: readonly (string | SourceRoot)[];
  /**
   * Reproduce the reference compiler's known bugs and quirks instead of fixing them (see docs/compiler.md):
   * `0o` literals not lexed, vector `.DEFINE` operands rejected, labels unresolvable inside `.SOURCE` files,
   * the newline after `.ENDR` swallowed, module constants usable only below their `.IMPORT`, the safe-call
   * rewrite failing to link, a label as a vector operand emitting one cell, error lines as the reference
   * reports them.
   */
  readonly referenceCompatible?: boolean;
}

export interface SourceRoot {
  readonly path: string;
  readonly prefix?: string;
}

export const DEFAULT_WORLD: WorldShape = { shape: [100, 100], toroidal: true };

/** Thrown for a malformed `--env` value. */
export class EnvSpecError extends Error {
  readonly code = CompileErrorCode.EVOASM_BAD_ENV;
  override readonly name = 'EnvSpecError';
}

/** Parses `100x100`, `32x32x8:torus`, `64x64:bounded` (also `toroidal`/`flat`). */
export function parseEnvSpec(spec: string): WorldShape {
  const m = /^\s*(\d+(?:x\d+)*)\s*(?::\s*(torus|toroidal|bounded|flat)\s*)?$/i.exec(spec);
  if (!m)
    throw new EnvSpecError(`Invalid world spec '${spec}': expected e.g. 100x100, 100x100:torus or 32x32x8:bounded`);
  const shape = m[1]!.split('x').map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new EnvSpecError(`Invalid world spec '${spec}': every dimension must be a positive integer`);
  }
  const topology = (m[2] ?? 'torus').toLowerCase();
  return { shape, toroidal: topology === 'torus' || topology === 'toroidal' };
}
