/**
 * Loads the module graph: the main file and everything reachable through `.IMPORT`. Each `.IMPORT` creates
 * a module instance (a file can be imported twice under two aliases and is then laid out twice). `.REQUIRE`
 * loads nothing; the importer binds the requirement with `USING`.
 */
import type { Statement } from './ast.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import type { DiagnosticBag } from './diagnostics.js';
import { parseStatements } from './parser.js';
import { type MacroDefinition, preprocessFile } from './preprocessor.js';
import type { LoadedFile, SourceResolver } from './source-files.js';

export interface ModuleInstance {
  readonly id: number;
  readonly file: LoadedFile;
  /** Qualifier of this instance's names: '' for the main file, `W` for `.IMPORT … AS W`, `W.X` when nested. */
  readonly prefix: string;
  readonly statements: readonly Statement[];
  /** alias → imported instance */
  readonly imports: Map<string, ModuleInstance>;
  /** The instance created by each `.IMPORT` statement, so layout can inline it at that point. */
  readonly importByStatement: Map<Statement, ModuleInstance>;
  /** `.REQUIRE` alias → the instance the importer bound to it with `USING`. */
  readonly bindings: Map<string, ModuleInstance>;
  /** Aliases whose module could not be loaded; names through them are not reported again. */
  readonly failedAliases: Set<string>;
  readonly parent: ModuleInstance | undefined;
}

export interface LoadContext {
  readonly diags: DiagnosticBag;
  readonly resolver: SourceResolver;
  readonly referenceCompatible: boolean;
  readonly onFileLoaded: (file: LoadedFile) => void;
  readonly budget: { statements: number };
}

/** Upper bound on module instances (a diamond of imports can grow exponentially). */
export const MAX_MODULE_INSTANCES = 2_000;

export function loadModuleGraph(main: LoadedFile, ctx: LoadContext): ModuleInstance[] {
  const parsed = new Map<string, Statement[]>();
  const instances: ModuleInstance[] = [];

  const parseFile = (file: LoadedFile): Statement[] => {
    const hit = parsed.get(file.absolute);
    if (hit) return hit;
    ctx.onFileLoaded(file);
    const macros = new Map<string, MacroDefinition>();
    const lines = preprocessFile(file, false, {
      diags: ctx.diags,
      resolver: ctx.resolver,
      referenceCompatible: ctx.referenceCompatible,
      macros,
      includeStack: [],
      onFileLoaded: ctx.onFileLoaded,
      budget: ctx.budget,
    });
    const statements = parseStatements(lines, ctx.diags);
    parsed.set(file.absolute, statements);
    return statements;
  };

  // `stack` is the import chain from the main file; `via[i]` is the .IMPORT in stack[i] that led to stack[i+1].
  const instantiate = (
    file: LoadedFile,
    prefix: string,
    parent: ModuleInstance | undefined,
    stack: LoadedFile[],
    via: Statement[],
  ): ModuleInstance => {
    const inst: ModuleInstance = {
      id: instances.length,
      file,
      prefix,
      statements: parseFile(file),
      imports: new Map(),
      importByStatement: new Map(),
      bindings: new Map(),
      failedAliases: new Set(),
      parent,
    };
    instances.push(inst);
    const requires = new Map<string, Statement & { kind: 'require' }>();
    for (const s of inst.statements) {
      if (s.kind !== 'import' && s.kind !== 'require') continue;
      if (s.tok.sourced) {
        ctx.diags.error(DiagnosticCode.SYNTAX, `${s.tok.upper} is not allowed in a file included with .SOURCE.`, s.tok);
        continue;
      }
      if (inst.imports.has(s.alias) || requires.has(s.alias)) {
        ctx.diags.error(
          DiagnosticCode.DUPLICATE_SYMBOL,
          `Module alias '${s.alias}' is already used in this file.`,
          s.tok,
        );
        continue;
      }
      if (s.kind === 'require') {
        requires.set(s.alias, s);
        continue;
      }
      const res = ctx.resolver.resolve(s.path, file);
      if (!res.ok) inst.failedAliases.add(s.alias);
      if (!res.ok) {
        ctx.diags.error(
          DiagnosticCode.FILE_NOT_FOUND,
          `Could not load imported module: ${s.path} (tried ${res.tried.join(', ')})`,
          s.pathTok,
        );
        continue;
      }
      const cycleStart = stack.findIndex((f) => f.absolute === res.file.absolute);
      if (cycleStart >= 0) {
        inst.failedAliases.add(s.alias);
        const chain = [...stack.slice(cycleStart), res.file].map((f) => f.display).join(' → ');
        // Reported where the cycle starts: the re-entered file's own .IMPORT into the cycle.
        const start = via[cycleStart] ?? s;
        const at = start.kind === 'import' ? start.pathTok : s.pathTok;
        ctx.diags.error(DiagnosticCode.IMPORT_CYCLE, `Circular dependency detected: ${chain}`, at);
        continue;
      }
      if (instances.length >= MAX_MODULE_INSTANCES) {
        ctx.diags.error(DiagnosticCode.LIMIT, `More than ${MAX_MODULE_INSTANCES} module instances.`, s.tok);
        continue;
      }
      const childPrefix = prefix === '' ? s.alias : `${prefix}.${s.alias}`;
      const child = instantiate(res.file, childPrefix, inst, [...stack, res.file], [...via, s]);
      inst.imports.set(s.alias, child);
      inst.importByStatement.set(s, child);
    }
    // USING wires a module this file can see into a child's .REQUIRE slot; resolved after all imports so
    // the order of .IMPORT lines does not matter.
    for (const s of inst.statements) {
      const child = s.kind === 'import' ? inst.importByStatement.get(s) : undefined;
      if (child === undefined || s.kind !== 'import') continue;
      const childRequires = new Map<string, Statement & { kind: 'require' }>();
      for (const cs of child.statements) if (cs.kind === 'require') childRequires.set(cs.alias, cs);
      for (const u of s.using) {
        const provided = inst.imports.get(u.source) ?? inst.bindings.get(u.source);
        if (provided === undefined) {
          ctx.diags.error(
            DiagnosticCode.MODULE_BINDING,
            `USING ${u.source}: no module with alias '${u.source}' is imported or required here.`,
            u.tok,
          );
          continue;
        }
        if (!childRequires.has(u.target)) {
          ctx.diags.error(
            DiagnosticCode.MODULE_BINDING,
            `USING … AS ${u.target}: ${child.file.display} has no .REQUIRE … AS ${u.target}.`,
            u.tok,
          );
          continue;
        }
        child.bindings.set(u.target, provided);
      }
      for (const [alias, req] of childRequires) {
        if (!child.bindings.has(alias)) {
          ctx.diags.error(
            DiagnosticCode.MODULE_BINDING,
            `${child.file.display} requires a module as '${alias}' (.REQUIRE "${req.path}"); bind one with USING <alias> AS ${alias}.`,
            s.tok,
          );
        }
      }
    }
    // A .REQUIRE in the main file can never be satisfied.
    if (parent === undefined) {
      for (const [alias, req] of requires) {
        ctx.diags.error(
          DiagnosticCode.MODULE_BINDING,
          `The main file cannot .REQUIRE a module ('${alias}'); use .IMPORT.`,
          req.tok,
        );
      }
    }
    return inst;
  };

  instantiate(main, '', undefined, [main], []);
  return instances;
}
