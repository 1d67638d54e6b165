/**
 * What `evochora compile` does once its arguments are known: compile, then print the artifact (`--json`
 * envelope) or a summary, write `-o`, and report failures with the product's envelope and exit codes. The oclif
 * command (commands/compile.ts) and the fast path that skips oclif (fast-compile.ts) both run it, so the two
 * behave alike by construction.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compileFile,
  type Diagnostic,
  EnvSpecError,
  formatDiagnostic,
  parseEnvSpec,
  type ProgramArtifact,
  type SourceRoot,
} from '../compiler/index.js';
import { CompileErrorCode } from '../compiler/error-codes.js';

export const COMPILE_EXIT_OK = 0;
export const COMPILE_EXIT_FAILED = 1;
export const COMPILE_EXIT_USAGE = 2;

export interface CompileRequest {
  readonly file: string;
  /** WxH[xD…][:torus|:bounded]; without it, the configured world. */
  readonly env?: string;
  readonly config?: string;
  readonly json: boolean;
  readonly output?: string;
  /** DIR or PREFIX=DIR, in the order given. */
  readonly sourceRoots?: readonly string[];
  readonly referenceCompatible: boolean;
}

/** Compiles and reports; sets process.exitCode. */
export async function runCompile(req: CompileRequest): Promise<void> {
  let world;
  try {
    world = req.env !== undefined ? parseEnvSpec(req.env) : await configuredWorld(req.config, req.json);
    if (world === undefined) return;
  } catch (e) {
    if (e instanceof EnvSpecError)
      return reportCompileFailure(
        req.json,
        COMPILE_EXIT_USAGE,
        'EnvSpecError',
        e.code,
        e.message,
        [],
        ['Use e.g. --env 100x100, --env 64x64:bounded or --env 32x32x8:torus.'],
      );
    throw e;
  }
  const roots: SourceRoot[] | undefined = req.sourceRoots?.map((r) => {
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.+)$/.exec(r);
    return m ? { prefix: m[1]!, path: path.resolve(m[2]!) } : { path: path.resolve(r) };
  });
  const result = compileFile(path.resolve(req.file), {
    world,
    // The file's own folder always comes last, so its siblings resolve and names display relative to it.
    ...(roots ? { sourceRoots: [...roots, { path: path.dirname(path.resolve(req.file)) }] } : {}),
    referenceCompatible: req.referenceCompatible,
  });
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  if (result.artifact === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const message =
      `${errors.length} error(s) in ${req.file}` +
      (first ? `; first: ${first.file}:${first.line}:${first.column}: ${first.message}` : '');
    return reportCompileFailure(
      req.json,
      COMPILE_EXIT_FAILED,
      'CompileError',
      CompileErrorCode.EVOASM_COMPILE_FAILED,
      message,
      result.diagnostics,
      ['Fix the errors listed (file:line:column) and compile again.'],
    );
  }
  const artifact = result.artifact;
  if (req.output !== undefined) {
    try {
      fs.writeFileSync(req.output, `${JSON.stringify(artifact, null, 2)}\n`);
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      return reportCompileFailure(
        req.json,
        COMPILE_EXIT_USAGE,
        'OutputError',
        CompileErrorCode.EVOASM_OUTPUT_FAILED,
        `Cannot write ${req.output}: ${detail}`,
        [],
        ['Choose a writable path for -o/--output.'],
      );
    }
  }
  if (req.json) {
    process.stdout.write(
      `${JSON.stringify({ status: COMPILE_EXIT_OK, result: artifact, warnings: warnings.map(oneLine) })}\n`,
    );
  } else {
    for (const w of warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    process.stdout.write(`${summary(artifact, req.output)}\n`);
  }
  process.exitCode = COMPILE_EXIT_OK;
}

/** The world of the node's configuration; on a configuration problem, reports it and returns undefined. */
async function configuredWorld(
  configFile: string | undefined,
  json: boolean,
): Promise<{ shape: number[]; toroidal: boolean } | undefined> {
  const [{ loadConfig }, { configuredWorld: worldOf }] = await Promise.all([
    import('../config/loader.js'),
    import('../pipeline/index.js').then((pipeline) => pipeline.loadConfiguredWorld()),
  ]);
  try {
    const { shape, toroidal } = worldOf(loadConfig(configFile !== undefined ? { configFile } : {}).config);
    return { shape, toroidal };
  } catch (e) {
    const err = e as Error & { code?: string; actions?: string[] };
    reportCompileFailure(
      json,
      COMPILE_EXIT_USAGE,
      err.name,
      err.code ?? 'CONFIG_INVALID',
      err.message,
      [],
      [...(err.actions ?? []), 'Or give the world with --env, e.g. --env 512x512.'],
    );
    return undefined;
  }
}

/** A failure as the envelope (`--json`) or as diagnostics, the error and its actions on stderr; sets the exit code. */
export function reportCompileFailure(
  json: boolean,
  status: number,
  name: string,
  code: string,
  message: string,
  diagnostics: readonly Diagnostic[],
  actions: string[],
): void {
  process.exitCode = status;
  if (json) {
    const warnings = diagnostics.filter((d) => d.severity === 'warning').map(oneLine);
    process.stdout.write(`${JSON.stringify({ status, name, code, message, diagnostics, actions, warnings })}\n`);
    return;
  }
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  process.stderr.write(`Error (${code}): ${message}\n`);
  for (const a of actions) process.stderr.write(`  → ${a}\n`);
}

function oneLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

function summary(a: ProgramArtifact, output: string | undefined): string {
  const procs = Object.entries(a.procNameToParamNames);
  const lines = [
    `Compiled ${a.mainFile} for ${a.world.shape.join('x')} ${a.world.toroidal ? 'torus' : 'bounded'}`,
    `  program id     ${a.programId}`,
    `  code cells     ${a.machineCodeLayout.length}`,
    `  world objects  ${a.initialWorldObjects.length}`,
    `  labels         ${a.labels.length}${
      a.labels.length > 0
        ? `: ${a.labels
            .slice(0, 12)
            .map((l) => `${l.name}@${l.coord.join('|')}`)
            .join(', ')}${a.labels.length > 12 ? ', …' : ''}`
        : ''
    }`,
    `  procedures     ${procs.length}${procs.length > 0 ? `: ${procs.map(([n, ps]) => `${n}(${ps.map((p) => `${p.type} ${p.name}`).join(', ')})`).join(', ')}` : ''}`,
    `  register aliases ${Object.keys(a.registerAliasMap).length}`,
  ];
  if (output !== undefined) lines.push(`  written to     ${output}`);
  return lines.join('\n');
}
