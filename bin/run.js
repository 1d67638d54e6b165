#!/usr/bin/env node
// The `evochora` entry point. The status queries that scripts poll take a path that does not load oclif
// (src/cli/fast-status.ts); everything else is dispatched by oclif (src/cli/oclif.ts: one bundled file) to the
// compiled commands in dist/commands.
const argv = process.argv.slice(2);
if (argv[1] === 'status' && (argv[0] === 'node' || argv[0] === 'pipeline')) {
  const { runFastStatus } = await import('../dist/src/cli/fast-status.js');
  if (await runFastStatus(argv)) process.exit();
}
const { execute } = await import('../dist/src/cli/oclif.js');
await execute({ dir: import.meta.url });
