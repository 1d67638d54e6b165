#!/usr/bin/env node
// The `evochora` entry point. The status queries that scripts poll and `compile` take paths that do not load
// oclif (src/cli/fast-status.ts, src/cli/fast-compile.ts); everything else, and any command line those do not
// recognise, is dispatched by oclif (src/cli/oclif.ts: one bundled file) to the compiled commands in dist/commands.
const argv = process.argv.slice(2);
if (argv[1] === 'status' && (argv[0] === 'node' || argv[0] === 'pipeline')) {
  const { runFastStatus } = await import('../dist/src/cli/fast-status.js');
  if (await runFastStatus(argv)) process.exit();
}
const handled = argv[0] === 'compile' && (await (await import('../dist/src/cli/fast-compile.js')).runFastCompile(argv));
if (!handled) {
  const { execute } = await import('../dist/src/cli/oclif.js');
  await execute({ dir: import.meta.url });
}
