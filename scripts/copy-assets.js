// Copies non-TypeScript assets the built product needs at run time into dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [
  ['src/web/static', 'dist/src/web/static'],
  // protobufjs static code is generated as JavaScript (scripts/build-proto.js); tsc does not copy .js files.
  ['src/pipeline/contracts/generated', 'dist/src/pipeline/contracts/generated'],
];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
