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

// oclif checks at load that Node satisfies its own `engines` (semver, parsed on every start: ~5 % of `--help`).
// The CLI's package.json already pins the Node it runs on, so the bundle leaves that check out.
const { readFileSync, writeFileSync } = await import('node:fs');
const out = 'dist/vendor/oclif-core.mjs';
const code = readFileSync(out, 'utf8');
const call = 'checkCWD();checkNodeVersion();';
if (!code.includes(call)) throw new Error(`bundle-oclif: "${call}" not found in ${out}; check @oclif/core's index`);
// Help renders every summary, description and example through EJS, which compiles each string into a function
// (~6 % of `--help`). Every EJS tag contains "%", so a string without one comes out as it went in: skip EJS there.
const render = 'function render(t){return ejs_1.default.render(t,context)}';
if (!code.includes(render)) throw new Error(`bundle-oclif: "${render}" not found in ${out}; check @oclif/core's help`);
writeFileSync(
  out,
  code
    .replace(call, 'checkCWD();')
    .replace(render, 'function render(t){return t.includes("%")?ejs_1.default.render(t,context):t}'),
);
