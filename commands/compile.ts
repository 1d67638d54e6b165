/**
 * `evochora compile FILE` — compiles an EvoASM program to its ProgramArtifact.
 *
 * The work is src/cli/compile-program.ts, shared with the path bin/run.js takes without oclif for the command
 * lines it recognises (src/cli/fast-compile.ts); this class declares the flags, help and usage errors.
 * Output follows the product's `--json` envelope: success `{status:0,result,warnings}`, failure
 * `{status,name,code,message,diagnostics,actions,warnings}`. Exit 0 on success, 1 on compile errors, 2 on
 * usage errors (bad --env, unwritable --output).
 */
import { Args, Command, Flags } from '../src/cli/oclif.js';
import { CliErrorCode } from '../src/cli/error-codes.js';
import { COMPILE_EXIT_USAGE, reportCompileFailure, runCompile } from '../src/cli/compile-program.js';

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
    await runCompile({
      file: args.file,
      ...(flags.env !== undefined ? { env: flags.env } : {}),
      ...(flags.config !== undefined ? { config: flags.config } : {}),
      json: flags.json,
      ...(flags.output !== undefined ? { output: flags.output } : {}),
      ...(flags['source-root'] ? { sourceRoots: flags['source-root'] } : {}),
      referenceCompatible: flags['reference-compatible'],
    });
  }

  /** Flag/argument errors from oclif: with --json they still come out as one envelope (exit 2). */
  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<void> {
    const usage = err.oclif?.exit === 2 || /flag|argument|Missing|Unexpected/i.test(err.message);
    if (!usage) throw err;
    // Terminal colour codes out of oclif's message, for the JSON envelope.
    // eslint-disable-next-line no-control-regex
    const message = err.message.replace(/\u001b\[[0-9;]*m/g, '');
    reportCompileFailure(
      this.argv.includes('--json'),
      COMPILE_EXIT_USAGE,
      err.name || 'UsageError',
      CliErrorCode.USAGE,
      message,
      [],
      ['Run evochora compile --help for the arguments and flags.'],
    );
  }
}
