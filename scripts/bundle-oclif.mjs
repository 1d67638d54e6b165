// Bundles @oclif/core (and the ~90 CommonJS files of its dependencies) into one ES module, dist/vendor/oclif-core.mjs,
// which src/cli/oclif.ts loads. Resolving, reading and compiling ~150 separate files is most of what oclif adds
// to every command's start; one file halves it (npm run bench:cli). The package itself stays the source of
// truth: the bundle is rebuilt from node_modules by every build, and src/cli/oclif.ts falls back to it.
import { build } from 'esbuild';

await build({
  entryPoints: ['node_modules/@oclif/core/lib/index.js'],
  outfile: 'dist/vendor/oclif-core.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  // Development-mode TypeScript loaders oclif may look for; never part of the built CLI.
  external: ['typescript', 'ts-node', 'tsx'],
  logLevel: 'warning',
  banner: {
    js: [
      // CommonJS inside an ES module: `require` for node built-ins, and oclif's own directory (it reads its
      // package.json from there).
      "import { createRequire as __evoCreateRequire } from 'node:module';",
      "import { dirname as __evoDirname } from 'node:path';",
      'const require = __evoCreateRequire(import.meta.url);',
      "const __filename = require.resolve('@oclif/core');",
      'const __dirname = __evoDirname(__filename);',
    ].join('\n'),
  },
});
