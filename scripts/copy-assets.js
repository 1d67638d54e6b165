// Copies non-TypeScript assets the built product needs at run time into dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [['src/web/static', 'dist/src/web/static']];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
