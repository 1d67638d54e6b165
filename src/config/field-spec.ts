/**
 * A tiny schema language for configuration: enough to give every key a type, a default, a range and a
 * one-line doc, and to produce errors that say what was expected. Services and resources describe their
 * `options` with the same specs.
 */
export type FieldSpec =
  | { kind: 'int'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'number'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'string'; default?: string; enum?: readonly string[]; nonEmpty?: boolean; doc: string }
  | { kind: 'bool'; default?: boolean; doc: string }
  /** Byte sizes: a number of bytes or a string such as `64MiB`, `1GB`. */
  | { kind: 'bytes'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'list'; of: 'string' | 'int'; default?: readonly (string | number)[]; doc: string }
  | { kind: 'object'; fields: Record<string, FieldSpec>; doc: string }
  /** Any keys; each value follows `values`. A higher layer replaces the whole map (see loader.ts). */
  | { kind: 'map'; values: FieldSpec; default?: Record<string, unknown>; doc: string }
  /** Free-form; validated elsewhere (service/resource options are checked against their class's schema). */
  | { kind: 'any'; default?: unknown; doc: string };

export type ObjectSpec = Extract<FieldSpec, { kind: 'object' }>;
