/**
 * Public API of the EvoASM compiler.
 *
 *   const { artifact, diagnostics } = compileFile('prog/main.evo', { world: { shape: [100, 100], toroidal: true } });
 *
 * `compileFile`/`compileSource` never throw for anything in the program text: problems come back as
 * diagnostics and `artifact` is undefined. The `…OrThrow` variants throw a `CompileError` carrying them.
 */
import * as path from 'node:path';
import { type CompileResult, compileProgram } from './compiler.js';
import { CompileError } from './diagnostics.js';
import type { CompileOptions } from './options.js';
import type { ProgramArtifact } from './artifact.js';
import { diskFileSystem, memoryFileSystem, type SourceFileSystem } from './source-files.js';

export type { CompileResult } from './compiler.js';
export type { ProgramArtifact, CodeCell, WorldObject, LabelInfo, SourceLocation, ProcParamInfo } from './artifact.js';
export { ARTIFACT_FORMAT_VERSION, computeProgramId } from './artifact.js';
export { type Diagnostic, type Severity, CompileError, formatDiagnostic } from './diagnostics.js';
export { DiagnosticCode } from './diagnostic-codes.js';
export {
  type CompileOptions,
  type SourceRoot,
  type WorldShape,
  DEFAULT_WORLD,
  EnvSpecError,
  parseEnvSpec,
} from './options.js';
export { type SourceFileSystem, memoryFileSystem, diskFileSystem } from './source-files.js';
export { labelHash, javaStringHashCode } from './label-hash.js';
export { listing, disassembleCell } from './listing.js';

/** Compiles a file from disk (or from `fileSystem`). Source roots default to the file's folder. */
export function compileFile(
  file: string,
  options: CompileOptions = {},
  fileSystem: SourceFileSystem = diskFileSystem,
): CompileResult {
  return compileProgram({ mainPath: file, fileSystem, options });
}

/**
 * Compiles source text. `name` is the main file's name for diagnostics; `.IMPORT`/`.SOURCE` paths resolve
 * against `options.sourceRoots` on disk, or against `extraFiles` (path → text, relative to the roots).
 */
export function compileSource(
  text: string,
  options: CompileOptions = {},
  name = 'main.evo',
  extraFiles: Record<string, string> = {},
): CompileResult {
  const root = path.resolve(
    typeof options.sourceRoots?.[0] === 'string'
      ? options.sourceRoots[0]
      : (options.sourceRoots?.[0]?.path ?? '/evoasm-memory'),
  );
  const mainPath = path.resolve(root, name);
  const mem = memoryFileSystem({
    [mainPath]: text,
    ...Object.fromEntries(Object.entries(extraFiles).map(([k, v]) => [path.resolve(root, k), v])),
  });
  // With explicit source roots, modules that are not given in memory are read from disk.
  const fsys: SourceFileSystem = {
    read: (p) => mem.read(p) ?? (options.sourceRoots ? diskFileSystem.read(p) : undefined),
  };
  return compileProgram({
    mainPath,
    fileSystem: fsys,
    options: { ...options, sourceRoots: options.sourceRoots ?? [root] },
  });
}

export function compileFileOrThrow(file: string, options: CompileOptions = {}): ProgramArtifact {
  return orThrow(compileFile(file, options));
}

export function compileSourceOrThrow(text: string, options: CompileOptions = {}, name = 'main.evo'): ProgramArtifact {
  return orThrow(compileSource(text, options, name));
}

function orThrow(r: CompileResult): ProgramArtifact {
  if (r.artifact === undefined) throw new CompileError(r.diagnostics);
  return r.artifact;
}
