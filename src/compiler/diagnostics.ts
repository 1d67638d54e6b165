/**
 * Compiler diagnostics. Every diagnostic names a file, a 1-based line and column, the offending text and
 * the source line with a caret, so a user can find the problem without re-running anything.
 */
import { CompileErrorCode } from './error-codes.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine-readable code, e.g. `EVOASM_UNDEFINED_SYMBOL`. */
  readonly code: string;
  readonly message: string;
  /** Path relative to the source root (or as given) — the same string used in `ProgramArtifact.sources`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The text the diagnostic points at (may be empty at end of input). */
  readonly text: string;
  /** The full source line, for display. */
  readonly sourceLine: string;
}

/** Where a token or statement came from; enough to build a diagnostic. */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** Gives the text of a source line, so diagnostics can show it. */
export type SourceLineLookup = (file: string, line: number) => string;

export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly lineOf: SourceLineLookup) {}

  error(code: string, message: string, at: SourceSpan | undefined): void {
    this.add('error', code, message, at);
  }

  warning(code: string, message: string, at: SourceSpan | undefined): void {
    this.add('warning', code, message, at);
  }

  private add(severity: Severity, code: string, message: string, at: SourceSpan | undefined): void {
    const file = at?.file ?? '<input>';
    const line = at?.line ?? 1;
    const column = at?.column ?? 1;
    // The same statement can be visited by more than one phase (e.g. a macro expanded twice); report once.
    const key = `${severity}|${code}|${file}|${line}|${column}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({
      severity,
      code,
      message,
      file,
      line,
      column,
      text: at?.text ?? '',
      sourceLine: at ? this.lineOf(at.file, at.line) : '',
    });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  get all(): Diagnostic[] {
    return [...this.items];
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** `main.evo:4:8: error: Symbol 'NOWHERE' is not defined.` followed by the line and a caret under the text. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`;
  if (d.sourceLine === '') return head;
  const gutter = `${d.line} | `;
  // Tabs are kept in the padding so the caret lines up with the displayed source line.
  const pad = Array.from(d.sourceLine.slice(0, Math.max(0, d.column - 1)), (ch) => (ch === '\t' ? '\t' : ' ')).join('');
  const caret = '^' + '~'.repeat(Math.max(0, Math.min(d.text.length, 200) - 1));
  return `${head}\n${gutter}${d.sourceLine}\n${' '.repeat(gutter.length)}${pad}${caret}`;
}

/** Thrown by `compileFileOrThrow`/`compileSourceOrThrow` when a program has errors; carries every diagnostic. */
export class CompileError extends Error {
  readonly code = CompileErrorCode.EVOASM_COMPILE_FAILED;
  override readonly name = 'CompileError';

  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    super(
      first === undefined
        ? 'Compilation failed'
        : `${errors.length} error(s); first: ${first.file}:${first.line}:${first.column}: ${first.message}`,
    );
  }
}
