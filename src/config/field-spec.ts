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

/**
 * The TypeScript type of the value a spec accepts once defaults are filled in (validateValue fills them):
 * `int`/`number`/`bytes` → number, `string` → string or its enum's union, `bool` → boolean, `list` → an
 * array, `object` → its fields (a key without a default must be given, so none is optional), `map` → a record,
 * `any` → unknown (the type that owns it narrows it where it checks it).
 */
export type ValueOf<S> = S extends { kind: 'int' | 'number' | 'bytes' }
  ? number
  : S extends { kind: 'string'; enum: readonly (infer E)[] }
    ? E
    : S extends { kind: 'string' }
      ? string
      : S extends { kind: 'bool' }
        ? boolean
        : S extends { kind: 'list'; of: 'int' }
          ? number[]
          : S extends { kind: 'list' }
            ? string[]
            : S extends { kind: 'object'; fields: infer F }
              ? string extends keyof F
                ? Record<string, unknown> // a spec not declared with defineOptions: keys unknown
                : { -readonly [K in keyof F]: ValueOf<F[K]> }
              : S extends { kind: 'map' }
                ? Record<string, unknown>
                : unknown;

/**
 * Declares the options of a resource or service type once: default, range and doc per key (the config file,
 * the docs and the validation all come from it), and their TypeScript type follows (`OptionsOf<typeof spec>`).
 * Only keeps the literal kinds of the spec; it returns it unchanged.
 */
export function defineOptions<const S extends ObjectSpec>(spec: S): S {
  return spec;
}

/** The typed options a type with option spec `S` receives (validated, defaults filled). */
export type OptionsOf<S> = ValueOf<S>;
