/**
 * `evochora compile FILE` — compiles an EvoASM program to its ProgramArtifact.
 *
 * Self-contained on purpose (@oclif/core and src/compiler; the configuration only when --env is left out, to
 * compile for the configured world), so it starts fast and works independently of the shared CLI helpers.
 * Output follows the product's `--json` envelope: success `{status:0,result,warnings}`, failure
 * `{status,name,code,message,diagnostics,actions,warnings}`. Exit 0 on success, 1 on compile errors, 2 on
 * usage errors (bad --env, unwritable --output).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Args, Command, Flags } from '../src/cli/oclif.js';
import {
  compileFile,
  type Diagnostic,
  EnvSpecError,
  formatDiagnostic,
  parseEnvSpec,
  type ProgramArtifact,
  type SourceRoot,
} from '../src/compiler/index.js';
import { CompileErrorCode } from '../src/compiler/error-codes.js';
import { CliErrorCode } from '../src/cli/error-codes.js';

const EXIT_OK = 0;
const EXIT_COMPILE_FAILED = 1;
const EXIT_USAGE = 2;

export default class Compile extends Command {
  static override summary = 'Compile an EvoASM program and print its artifact or a summary.';
  static override description =
    'Vector operands take one cell per world dimension, so the world shape is part of the compilation. ' +
    'Errors are listed with file, line, column and a caret; the exit code is 1 when there are any.';
  static override examples = [
    '<%= config.bin %> compile assembly/primordial/main.evo',
    '<%= config.bin %> compile prog.evo --env 64x64:torus --json',
    '<%= config.bin %> compile prog.evo --env 32x32x8:bounded -o prog.artifact.json',
    '<%= config.bin %> compile prog.evo --source-root lib --source-root std=/opt/evo/std',
  ];
  static override args = {
    file: Args.string({ description: 'Main .evo source file.', required: true }),
  };
  static override flags = {
    env: Flags.string({
      description:
        "World shape and topology: WxH[xD…][:torus|:bounded]. Default: the world the node's configuration simulates (512x512:torus unless -c or ./config/evochora.conf says otherwise).",
    }),
    config: Flags.string({
      char: 'c',
      description:
        'Config file whose simulation engine gives the world when --env is not set (default ./config/evochora.conf if present).',
    }),
    json: Flags.boolean({
      description: 'Print one JSON envelope on stdout (the artifact, or the diagnostics).',
      default: false,
    }),
    output: Flags.string({ char: 'o', description: 'Also write the artifact JSON to this file.' }),
    'source-root': Flags.string({
      description:
        'Folder that .IMPORT/.SOURCE paths resolve against (repeatable; PREFIX=DIR makes "PREFIX:path" select it). Default: the file\'s folder.',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'reference-compatible': Flags.boolean({
      description: "Reproduce the reference compiler's known quirks and bugs (see docs/compiler.md).",
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Compile);
    let world;
    try {
      world = flags.env !== undefined ? parseEnvSpec(flags.env) : await this.configuredWorld(flags.config);
      if (world === undefined) return;
    } catch (e) {
      if (e instanceof EnvSpecError)
        return this.fail(
          flags.json,
          EXIT_USAGE,
          'EnvSpecError',
          e.code,
          e.message,
          [],
          ['Use e.g. --env 100x100, --env 64x64:bounded or --env 32x32x8:torus.'],
        );
      throw e;
    }
    const roots: SourceRoot[] | undefined = flags['source-root']?.map((r) => {
      const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.+)$/.exec(r);
      return m ? { prefix: m[1]!, path: path.resolve(m[2]!) } : { path: path.resolve(r) };
    });
    const result = compileFile(path.resolve(args.file), {
      world,
      // The file's own folder always comes last, so its siblings resolve and names display relative to it.
      ...(roots ? { sourceRoots: [...roots, { path: path.dirname(path.resolve(args.file)) }] } : {}),
      referenceCompatible: flags['reference-compatible'],
    });
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    if (result.artifact === undefined) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0];
      const message =
        `${errors.length} error(s) in ${args.file}` +
        (first ? `; first: ${first.file}:${first.line}:${first.column}: ${first.message}` : '');
      return this.fail(
        flags.json,
        EXIT_COMPILE_FAILED,
        'CompileError',
        CompileErrorCode.EVOASM_COMPILE_FAILED,
        message,
        result.diagnostics,
        ['Fix the errors listed (file:line:column) and compile again.'],
      );
    }
    const artifact = result.artifact;
    if (flags.output !== undefined) {
      try {
        fs.writeFileSync(flags.output, `${JSON.stringify(artifact, null, 2)}\n`);
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        return this.fail(
          flags.json,
          EXIT_USAGE,
          'OutputError',
          CompileErrorCode.EVOASM_OUTPUT_FAILED,
          `Cannot write ${flags.output}: ${detail}`,
          [],
          ['Choose a writable path for -o/--output.'],
        );
      }
    }
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ status: EXIT_OK, result: artifact, warnings: warnings.map(oneLine) })}\n`,
      );
    } else {
      for (const w of warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
      process.stdout.write(`${summary(artifact, flags.output)}\n`);
    }
    process.exitCode = EXIT_OK;
  }

  /** The world of the node's configuration; on a configuration problem, reports it and returns undefined. */
  private async configuredWorld(
    configFile: string | undefined,
  ): Promise<{ shape: number[]; toroidal: boolean } | undefined> {
    const [{ loadConfig }, { configuredWorld }] = await Promise.all([
      import('../src/config/loader.js'),
      import('../src/pipeline/index.js').then((pipeline) => pipeline.loadConfiguredWorld()),
    ]);
    try {
      const { shape, toroidal } = configuredWorld(loadConfig(configFile !== undefined ? { configFile } : {}).config);
      return { shape, toroidal };
    } catch (e) {
      const err = e as Error & { code?: string; actions?: string[] };
      this.fail(
        this.argv.includes('--json'),
        EXIT_USAGE,
        err.name,
        err.code ?? 'CONFIG_INVALID',
        err.message,
        [],
        [...(err.actions ?? []), 'Or give the world with --env, e.g. --env 512x512.'],
      );
      return undefined;
    }
  }

  /** Flag/argument errors from oclif: with --json they still come out as one envelope (exit 2). */
  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<void> {
    const usage = err.oclif?.exit === 2 || /flag|argument|Missing|Unexpected/i.test(err.message);
    if (!usage) throw err;
    // Terminal colour codes out of oclif's message, for the JSON envelope.
    // eslint-disable-next-line no-control-regex
    const message = err.message.replace(/\u001b\[[0-9;]*m/g, '');
    this.fail(
      this.argv.includes('--json'),
      EXIT_USAGE,
      err.name || 'UsageError',
      CliErrorCode.USAGE,
      message,
      [],
      ['Run evochora compile --help for the arguments and flags.'],
    );
  }

  private fail(
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
