/**
 * The compiler pipeline: load modules (lex, preprocess, parse) → collect symbols → build IR (resolve names,
 * marshal CALLs) → lay out → link and emit → `ProgramArtifact`. Each phase reports into one diagnostic bag
 * and the pipeline continues as far as it meaningfully can, so one run reports many errors. Nothing a
 * source file contains can make it throw: an unexpected exception becomes an internal-error diagnostic.
 */
import * as path from 'node:path';
import {
  type ProgramArtifact,
  ARTIFACT_FORMAT_VERSION,
  compareCoords,
  computeProgramId,
  type ProcParamInfo,
} from './artifact.js';
import { DiagnosticCode } from './diagnostic-codes.js';
import { type Diagnostic, DiagnosticBag } from './diagnostics.js';
import { emit } from './emitter.js';
import { buildIr } from './ir-builder.js';
import { layOut } from './layout.js';
import { loadModuleGraph, type ModuleInstance } from './module-loader.js';
import { type CompileOptions, DEFAULT_WORLD, type SourceRoot } from './options.js';
import { type LoadedFile, type SourceFileSystem, SourceResolver } from './source-files.js';
import { collectSymbols, type ModuleSymbols, type ProcSymbol } from './symbol-table.js';

export interface CompileResult {
  /** Present exactly when there are no errors. */
  readonly artifact: ProgramArtifact | undefined;
  /** Errors and warnings, in the order found. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface CompileInput {
  readonly mainPath: string;
  readonly fileSystem: SourceFileSystem;
  readonly options: CompileOptions;
}

export function compileProgram(input: CompileInput): CompileResult {
  const files = new Map<string, LoadedFile>();
  const lineOf = (file: string, line: number): string => files.get(file)?.lines[line - 1] ?? '';
  const diags = new DiagnosticBag(lineOf);
  try {
    return run(input, files, diags);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    diags.error(DiagnosticCode.INTERNAL, `Internal compiler error: ${detail}`, {
      file: input.mainPath,
      line: 1,
      column: 1,
      text: '',
    });
    return { artifact: undefined, diagnostics: diags.all };
  }
}

function run(input: CompileInput, files: Map<string, LoadedFile>, diags: DiagnosticBag): CompileResult {
  const world = input.options.world ?? DEFAULT_WORLD;
  const compat = input.options.referenceCompatible ?? false;
  const mainAbs = path.resolve(input.mainPath);
  const roots: SourceRoot[] = (input.options.sourceRoots ?? [path.dirname(mainAbs)]).map((r) =>
    typeof r === 'string' ? { path: r } : r,
  );
  const resolver = new SourceResolver(input.fileSystem, roots);
  const main = resolver.load(mainAbs);
  if (main === undefined) {
    diags.error(DiagnosticCode.FILE_NOT_FOUND, `Cannot read source file ${input.mainPath}.`, {
      file: input.mainPath,
      line: 1,
      column: 1,
      text: '',
    });
    return { artifact: undefined, diagnostics: diags.all };
  }
  const onFileLoaded = (f: LoadedFile): void => void files.set(f.display, f);
  onFileLoaded(main);
  if (world.shape.length === 0 || world.shape.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    diags.error(DiagnosticCode.VECTOR_ARITY, `Invalid world shape [${world.shape.join(', ')}].`, {
      file: main.display,
      line: 1,
      column: 1,
      text: '',
    });
    return { artifact: undefined, diagnostics: diags.all };
  }

  const modules = loadModuleGraph(main, {
    diags,
    resolver,
    referenceCompatible: compat,
    onFileLoaded,
    budget: { statements: 0 },
  });
  const aliasMap = new Map<string, number>();
  const symbols = new Map<ModuleInstance, ModuleSymbols>();
  const procs = new Map<string, ProcSymbol>();
  for (const m of modules) {
    const s = collectSymbols(m, diags, aliasMap);
    symbols.set(m, s);
    for (const p of s.procs.values()) procs.set(p.qualified, p);
  }
  const ir = buildIr(modules[0]!, { diags, dims: world.shape.length, referenceCompatible: compat, symbols, procs });
  if (diags.hasErrors) return { artifact: undefined, diagnostics: diags.all };
  const layout = layOut(ir, world.shape, diags);
  if (diags.hasErrors) return { artifact: undefined, diagnostics: diags.all };
  const emitted = emit(layout, diags);
  if (diags.hasErrors) return { artifact: undefined, diagnostics: diags.all };

  const objects = [...emitted.objects].sort((a, b) => compareCoords(a.coord, b.coord));
  const labelNameToValue: Record<string, number> = {};
  const labelValueToName: Record<string, string> = {};
  for (const l of [...emitted.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    labelNameToValue[l.name] = l.value;
    labelValueToName[String(l.value)] ??= l.name;
  }
  const procNameToParamNames: Record<string, ProcParamInfo[]> = {};
  for (const name of [...procs.keys()].sort()) {
    procNameToParamNames[name] = procs.get(name)!.params.map((p) => ({ name: p.name, type: p.kind }));
  }
  const registerAliasMap: Record<string, number> = {};
  for (const k of [...aliasMap.keys()].sort()) registerAliasMap[k] = aliasMap.get(k)!;
  const sources: Record<string, string[]> = {};
  for (const k of [...files.keys()].sort()) sources[k] = [...files.get(k)!.lines];

  const artifact: ProgramArtifact = {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    programId: computeProgramId(emitted.code, objects),
    world: { shape: [...world.shape], toroidal: world.toroidal },
    mainFile: main.display,
    machineCodeLayout: emitted.code,
    initialWorldObjects: objects,
    sourceMap: emitted.sourceMap,
    labels: emitted.labels,
    labelNameToValue,
    labelValueToName,
    registerAliasMap,
    procNameToParamNames,
    sources,
  };
  return { artifact, diagnostics: diags.all };
}
