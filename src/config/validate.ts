import type { FieldSpec } from './field-spec.js';
import type { SourcePosition } from './hocon.js';

export interface ValidationIssue {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
  readonly position?: SourcePosition;
  readonly origin?: string;
}

/** Where a key's value came from, for error messages: a file position or a layer name (env var, flag). */
export type OriginLookup = (path: string) => { position?: SourcePosition; origin?: string } | undefined;

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

export function parseBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] ?? '').toLowerCase() || 'b'];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

function describe(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'number':
    case 'bytes': {
      const what =
        spec.kind === 'int' ? 'an integer' : spec.kind === 'bytes' ? 'a byte size (e.g. 1048576 or 64MiB)' : 'a number';
      if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
      if (spec.min !== undefined) return `${what} ≥ ${spec.min}`;
      if (spec.max !== undefined) return `${what} ≤ ${spec.max}`;
      return what;
    }
    case 'string':
      return spec.enum
        ? `one of ${spec.enum.map((e) => `"${e}"`).join(', ')}`
        : spec.nonEmpty
          ? 'a non-empty string'
          : 'a string';
    case 'bool':
      return 'true or false';
    case 'list':
      return `a list of ${spec.of === 'int' ? 'integers' : 'strings'}`;
    case 'object':
    case 'map':
      return 'an object';
    case 'any':
      return 'any value';
  }
}

/**
 * Checks `value` against `spec`, coercing strings from env vars and flags (`"8081"` → 8081). Returns the
 * coerced value and appends every problem to `issues` (all of them, not just the first).
 */
export function validateValue(
  spec: FieldSpec,
  value: unknown,
  path: string,
  issues: ValidationIssue[],
  origin: OriginLookup,
): unknown {
  const fail = (expected: string): undefined => {
    issues.push({ path, value, expected, ...(origin(path) ?? {}) });
    return undefined;
  };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n)))
        return fail(describe(spec));
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
        return fail(describe(spec));
      return n;
    }
    case 'bytes': {
      const n = parseBytes(value);
      if (n === undefined || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
        return fail(describe(spec));
      return n;
    }
    case 'string': {
      if (typeof value !== 'string' && typeof value !== 'number') return fail(describe(spec));
      const s = String(value);
      if (spec.enum && !spec.enum.includes(s)) return fail(describe(spec));
      if (spec.nonEmpty && s.trim() === '') return fail(describe(spec));
      return s;
    }
    case 'bool': {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return fail(describe(spec));
    }
    case 'list': {
      const list =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '')
          : value;
      if (!Array.isArray(list)) return fail(describe(spec));
      const out: unknown[] = [];
      list.forEach((item, k) => {
        const inner: FieldSpec = spec.of === 'int' ? { kind: 'int', doc: '' } : { kind: 'string', doc: '' };
        out.push(validateValue(inner, item, `${path}.${k}`, issues, origin));
      });
      return out;
    }
    case 'object': {
      if (!isObject(value)) return fail(describe(spec));
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const child = spec.fields[key];
        const childPath = path === '' ? key : `${path}.${key}`;
        if (!child) {
          const known = Object.keys(spec.fields);
          const hint = closest(key, known);
          issues.push({
            path: childPath,
            value: v,
            expected: `a known key (unknown key${hint ? `; did you mean '${hint}'?` : `; known here: ${known.join(', ')}`})`,
            ...(origin(childPath) ?? {}),
          });
          continue;
        }
        out[key] = validateValue(child, v, childPath, issues, origin);
      }
      // Keys left out take their defaults; a key without a default (a className) must be given.
      for (const [key, child] of Object.entries(spec.fields)) {
        if (key in value) continue;
        const d = defaultsOf(child);
        if (d !== undefined) out[key] = d;
        else if (child.kind !== 'any') {
          const childPath = path === '' ? key : `${path}.${key}`;
          issues.push({
            path: childPath,
            value: undefined,
            expected: `${describe(child)} (required: ${child.doc})`,
            ...(origin(path) ?? {}),
          });
        }
      }
      return out;
    }
    case 'map': {
      if (!isObject(value)) return fail(describe(spec));
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value))
        out[key] = validateValue(spec.values, v, `${path}.${key}`, issues, origin);
      return out;
    }
    case 'any':
      return value;
  }
}

/** Fills defaults for missing keys of object specs, recursively. */
export function defaultsOf(spec: FieldSpec): unknown {
  if (spec.kind === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(spec.fields)) {
      const d = defaultsOf(child);
      if (d !== undefined) out[key] = d;
    }
    return out;
  }
  return structuredClone(spec.default);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function formatIssue(issue: ValidationIssue): string {
  const where = issue.position
    ? `${issue.position.file}:${issue.position.line}:${issue.position.column}: `
    : issue.origin
      ? `${issue.origin}: `
      : '';
  return `${where}${issue.path} = ${JSON.stringify(issue.value)}: expected ${issue.expected}`;
}
