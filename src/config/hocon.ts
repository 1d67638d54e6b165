/**
 * A HOCON reader for configuration files: objects with `=`, `:` or a bare `{`, dotted key paths, arrays,
 * quoted, unquoted and triple-quoted strings, `#` and `//` comments, object merging of repeated keys,
 * `+=` appends, and substitutions `${a.b}` / `${?a.b}` (environment variables as fallback). Every value
 * remembers where it came from, so validation errors can name the file and line.
 */
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { ConfigErrorCode } from './error-codes.js';

export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export class HoconSyntaxError extends EvochoraError {
  constructor(message: string, position: SourcePosition) {
    super(ConfigErrorCode.CONFIG_SYNTAX, `${position.file}:${position.line}:${position.column}: ${message}`, {
      exitCode: ExitCode.Usage,
      actions: ['Fix the syntax at the position shown; HOCON and JSON are both accepted.'],
      data: { ...position },
    });
  }
}

export type HoconValue = string | number | boolean | null | HoconValue[] | { [key: string]: HoconValue };

export interface HoconDocument {
  readonly value: Record<string, HoconValue>;
  /** Dotted key path → where its value was written. */
  readonly positions: Map<string, SourcePosition>;
}

interface Substitution {
  readonly kind: 'substitution';
  readonly path: string;
  readonly optional: boolean;
  readonly position: SourcePosition;
  /** For `${?x}` that overrides an earlier value of the same key: what the key keeps when x is undefined. */
  readonly fallback?: RawValue;
}

type RawValue = HoconValue | Substitution | RawValue[] | { [key: string]: RawValue };

const isSubstitution = (v: unknown): v is Substitution =>
  typeof v === 'object' && v !== null && (v as Substitution).kind === 'substitution' && 'path' in v;
const isPlainObject = (v: unknown): v is Record<string, RawValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isSubstitution(v);

export function parseHocon(text: string, file = '<config>', env: NodeJS.ProcessEnv = process.env): HoconDocument {
  const parser = new Parser(text, file);
  const raw = parser.parseRoot();
  const value = resolveSubstitutions(raw, raw, env) as Record<string, HoconValue>;
  return { value, positions: parser.positions };
}

class Parser {
  private i = 0;
  private line = 1;
  private col = 1;
  readonly positions = new Map<string, SourcePosition>();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  parseRoot(): Record<string, RawValue> {
    this.skipWhitespace(true);
    let result: Record<string, RawValue>;
    if (this.peek() === '{') {
      this.next();
      result = this.parseObjectBody('}', '');
    } else {
      result = this.parseObjectBody(undefined, '');
    }
    this.skipWhitespace(true);
    if (this.i < this.text.length) this.fail(`unexpected '${this.peek()}' after the end of the document`);
    return result;
  }

  private pos(): SourcePosition {
    return { file: this.file, line: this.line, column: this.col };
  }

  private fail(message: string, at: SourcePosition = this.pos()): never {
    throw new HoconSyntaxError(message, at);
  }

  private peek(offset = 0): string {
    return this.text[this.i + offset] ?? '';
  }

  private next(): string {
    const ch = this.text[this.i++] ?? '';
    if (ch === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return ch;
  }

  /** Skips blanks and comments; newlines only when `newlines` (they separate fields otherwise). */
  private skipWhitespace(newlines: boolean): void {
    for (;;) {
      const ch = this.peek();
      if (ch === '#' || (ch === '/' && this.peek(1) === '/')) {
        while (this.i < this.text.length && this.peek() !== '\n') this.next();
      } else if (ch === '\n' ? newlines : ch === ' ' || ch === '\t' || ch === '\r' || ch === '\uFEFF') {
        this.next();
      } else return;
    }
  }

  private parseObjectBody(close: '}' | undefined, prefix: string): Record<string, RawValue> {
    const obj: Record<string, RawValue> = {};
    for (;;) {
      this.skipWhitespace(true);
      if (this.i >= this.text.length) {
        if (close) this.fail(`missing '${close}' to close the object`);
        return obj;
      }
      if (close && this.peek() === close) {
        this.next();
        return obj;
      }
      if (this.peek() === ',') {
        this.next();
        continue;
      }
      const keyPos = this.pos();
      const keyPath = this.parseKey();
      this.skipWhitespace(false);
      let append = false;
      const ch = this.peek();
      if (ch === '=' || ch === ':') this.next();
      else if (ch === '+' && this.peek(1) === '=') {
        this.next();
        this.next();
        append = true;
      } else if (ch !== '{') this.fail(`expected '=', ':' or '{' after key '${keyPath.join('.')}'`);
      this.skipWhitespace(false);
      const fullPath = prefix === '' ? keyPath.join('.') : `${prefix}.${keyPath.join('.')}`;
      const valuePos = this.pos();
      const value = this.parseValue(fullPath);
      this.positions.set(fullPath, valuePos.line === keyPos.line ? keyPos : valuePos);
      this.assign(obj, keyPath, value, append, keyPos);
      this.skipWhitespace(false);
      const after = this.peek();
      if (after === ',' || after === '\n') this.next();
      else if (after !== '' && after !== close && after !== '#' && !(after === '/' && this.peek(1) === '/'))
        this.fail(`unexpected '${after}' after the value of '${fullPath}'`);
    }
  }

  private assign(
    obj: Record<string, RawValue>,
    path: string[],
    value: RawValue,
    append: boolean,
    at: SourcePosition,
  ): void {
    let target = obj;
    for (let k = 0; k < path.length - 1; k++) {
      const key = path[k]!;
      const existing = target[key];
      if (!isPlainObject(existing)) target[key] = {};
      target = target[key] as Record<string, RawValue>;
    }
    const last = path[path.length - 1]!;
    const existing = target[last];
    if (append) {
      if (existing !== undefined && !Array.isArray(existing))
        this.fail(`'+=' needs '${path.join('.')}' to be a list`, at);
      target[last] = [...((existing as RawValue[] | undefined) ?? []), value];
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      target[last] = mergeObjects(existing, value);
    } else if (isSubstitution(value) && value.optional && existing !== undefined) {
      target[last] = { ...value, fallback: existing };
    } else {
      target[last] = value;
    }
  }

  private parseKey(): string[] {
    const parts: string[] = [];
    let current = '';
    let any = false;
    for (;;) {
      const ch = this.peek();
      if (ch === '"') {
        current += this.parseQuoted();
        any = true;
      } else if (ch === '.') {
        if (!any) this.fail('empty key segment');
        parts.push(current);
        current = '';
        any = false;
        this.next();
      } else if (ch !== '' && !/[\s=:{}[\],#+]/.test(ch) && !(ch === '/' && this.peek(1) === '/')) {
        current += this.next();
        any = true;
      } else break;
    }
    if (!any) this.fail(ch0(this.peek()) ? `expected a key, found '${this.peek()}'` : 'expected a key');
    parts.push(current);
    return parts;
  }

  private parseValue(path: string): RawValue {
    const ch = this.peek();
    if (ch === '{') {
      this.next();
      return this.parseObjectBody('}', path);
    }
    if (ch === '[') {
      this.next();
      return this.parseArray(path);
    }
    return this.parseScalarConcatenation();
  }

  private parseArray(path: string): RawValue[] {
    const items: RawValue[] = [];
    for (;;) {
      this.skipWhitespace(true);
      if (this.i >= this.text.length) this.fail(`missing ']' to close the list '${path}'`);
      if (this.peek() === ']') {
        this.next();
        return items;
      }
      if (this.peek() === ',') {
        this.next();
        continue;
      }
      items.push(this.parseValue(`${path}.${items.length}`));
    }
  }

  /** A scalar, possibly several pieces on one line (`foo bar`, `${a}/x`) joined as HOCON concatenates them. */
  private parseScalarConcatenation(): RawValue {
    const pieces: Array<{ value: RawValue; quoted: boolean; raw: string }> = [];
    let whitespace = '';
    for (;;) {
      const ch = this.peek();
      if (
        ch === '' ||
        ch === '\n' ||
        ch === ',' ||
        ch === '}' ||
        ch === ']' ||
        ch === '#' ||
        (ch === '/' && this.peek(1) === '/')
      )
        break;
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        whitespace += this.next();
        continue;
      }
      if (pieces.length > 0 && whitespace) pieces.push({ value: whitespace, quoted: true, raw: whitespace });
      whitespace = '';
      if (ch === '"') {
        const s = this.peek(1) === '"' && this.peek(2) === '"' ? this.parseTripleQuoted() : this.parseQuoted();
        pieces.push({ value: s, quoted: true, raw: s });
      } else if (ch === '$' && this.peek(1) === '{') {
        pieces.push({ value: this.parseSubstitution(), quoted: false, raw: '' });
      } else if (ch === '{' || ch === '[') {
        this.fail(`an object or list cannot follow other text on the same line`);
      } else {
        let raw = '';
        while (
          this.i < this.text.length &&
          !/[\s,}\]#"[{]/.test(this.peek()) &&
          !(this.peek() === '/' && this.peek(1) === '/') &&
          !(this.peek() === '$' && this.peek(1) === '{')
        )
          raw += this.next();
        pieces.push({ value: unquotedScalar(raw), quoted: false, raw });
      }
    }
    if (pieces.length === 0) this.fail('expected a value');
    if (pieces.length === 1) return pieces[0]!.value;
    if (pieces.some((p) => isSubstitution(p.value))) {
      // Concatenations with substitutions resolve to strings; keep the parts for the resolver.
      return {
        kind: 'concat',
        parts: pieces.map((p) => (isSubstitution(p.value) ? p.value : p.quoted ? p.value : p.raw)),
      } as unknown as RawValue;
    }
    return pieces.map((p) => (p.quoted ? String(p.value) : p.raw)).join('');
  }

  private parseSubstitution(): Substitution {
    const position = this.pos();
    this.next();
    this.next();
    let optional = false;
    if (this.peek() === '?') {
      optional = true;
      this.next();
    }
    let path = '';
    while (this.i < this.text.length && this.peek() !== '}') {
      if (this.peek() === '\n') this.fail('unterminated substitution', position);
      path += this.next();
    }
    if (this.peek() !== '}') this.fail('unterminated substitution', position);
    this.next();
    path = path.trim();
    if (path === '') this.fail('empty substitution', position);
    return { kind: 'substitution', path, optional, position };
  }

  private parseQuoted(): string {
    const start = this.pos();
    this.next();
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === '' || ch === '\n') this.fail('unterminated string', start);
      if (ch === '"') return out;
      if (ch === '\\') {
        const esc = this.next();
        const map: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          b: '\b',
          f: '\f',
          '"': '"',
          '\\': '\\',
          '/': '/',
        };
        if (esc === 'u') {
          const hex = this.text.slice(this.i, this.i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          for (let k = 0; k < 4; k++) this.next();
          out += String.fromCharCode(parseInt(hex, 16));
        } else if (map[esc] !== undefined) out += map[esc];
        else this.fail(`unknown escape '\\${esc}'`);
      } else out += ch;
    }
  }

  private parseTripleQuoted(): string {
    const start = this.pos();
    this.next();
    this.next();
    this.next();
    let out = '';
    while (!(this.peek() === '"' && this.peek(1) === '"' && this.peek(2) === '"')) {
      if (this.i >= this.text.length) this.fail('unterminated """ string', start);
      out += this.next();
    }
    this.next();
    this.next();
    this.next();
    return out;
  }
}

function ch0(ch: string): boolean {
  return ch !== '';
}

function unquotedScalar(raw: string): HoconValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

function mergeObjects(a: Record<string, RawValue>, b: Record<string, RawValue>): Record<string, RawValue> {
  const out: Record<string, RawValue> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    out[k] = isPlainObject(existing) && isPlainObject(v) ? mergeObjects(existing, v) : v;
  }
  return out;
}

const UNRESOLVED = Symbol('unresolved');

function lookup(root: RawValue, path: string): RawValue | typeof UNRESOLVED {
  let node: RawValue = root;
  for (const part of path.split('.')) {
    if (!isPlainObject(node) || !(part in node)) return UNRESOLVED;
    node = node[part]!;
  }
  return node;
}

function resolveSubstitutions(
  node: RawValue,
  root: RawValue,
  env: NodeJS.ProcessEnv,
  depth = 0,
): HoconValue | typeof UNRESOLVED {
  if (depth > 32)
    throw new EvochoraError(ConfigErrorCode.CONFIG_SYNTAX, 'Substitutions nest too deeply (a cycle?).', {
      exitCode: ExitCode.Usage,
    });
  if (isSubstitution(node)) {
    const found = lookup(root, node.path);
    if (found !== UNRESOLVED) return resolveSubstitutions(found, root, env, depth + 1);
    const fromEnv = env[node.path];
    if (fromEnv !== undefined) return fromEnv;
    if (node.optional)
      return node.fallback === undefined ? UNRESOLVED : resolveSubstitutions(node.fallback, root, env, depth + 1);
    throw new HoconSyntaxError(
      `substitution \${${node.path}} is not defined in the file or the environment`,
      node.position,
    );
  }
  if (typeof node === 'object' && node !== null && (node as unknown as { kind?: string }).kind === 'concat') {
    const parts = (node as unknown as { parts: RawValue[] }).parts;
    let out = '';
    for (const p of parts) {
      const v = resolveSubstitutions(p, root, env, depth + 1);
      if (v === UNRESOLVED) continue;
      out += typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    }
    return out;
  }
  if (Array.isArray(node)) {
    const out: HoconValue[] = [];
    for (const item of node) {
      const v = resolveSubstitutions(item, root, env, depth + 1);
      if (v !== UNRESOLVED) out.push(v);
    }
    return out;
  }
  if (isPlainObject(node)) {
    const out: Record<string, HoconValue> = {};
    for (const [k, v] of Object.entries(node)) {
      const r = resolveSubstitutions(v, root, env, depth + 1);
      if (r !== UNRESOLVED) out[k] = r;
    }
    return out;
  }
  return node as HoconValue;
}
