import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANALYZER_ERROR_MEANINGS } from '../../src/analyzer/error-codes.js';
import { CLI_ERROR_MEANINGS } from '../../src/cli/error-codes.js';
import { COMPILE_ERROR_MEANINGS } from '../../src/compiler/error-codes.js';
import { CONFIG_ERROR_MEANINGS } from '../../src/config/error-codes.js';
import { EXPERIMENT_ERROR_MEANINGS } from '../../src/experiment/error-codes.js';
import { HTTP_ERROR_MEANINGS } from '../../src/http/error-codes.js';
import { NODE_ERROR_MEANINGS } from '../../src/node/error-codes.js';
import { PIPELINE_ERROR_MEANINGS } from '../../src/pipeline/error-codes.js';
import { RUNTIME_ERROR_MEANINGS } from '../../src/runtime/error-codes.js';
import { VISUALIZER_ERROR_MEANINGS } from '../../src/visualizer/error-codes.js';

const ROOT = join(__dirname, '..', '..');
const CATALOGUES: Record<string, Record<string, string>> = {
  config: CONFIG_ERROR_MEANINGS,
  cli: CLI_ERROR_MEANINGS,
  node: NODE_ERROR_MEANINGS,
  experiment: EXPERIMENT_ERROR_MEANINGS,
  http: HTTP_ERROR_MEANINGS,
  visualizer: VISUALIZER_ERROR_MEANINGS,
  analyzer: ANALYZER_ERROR_MEANINGS,
  pipeline: PIPELINE_ERROR_MEANINGS,
  runtime: RUNTIME_ERROR_MEANINGS,
  compiler: COMPILE_ERROR_MEANINGS,
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'generated') sources(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('error-codes.ts')) out.push(path);
  }
  return out;
}

describe('error codes: one catalogue per area', () => {
  it('names each code once, across all catalogues', () => {
    const seen = new Map<string, string>();
    for (const [area, meanings] of Object.entries(CATALOGUES))
      for (const code of Object.keys(meanings)) {
        expect(seen.get(code), `${code} is in both ${seen.get(code)} and ${area}`).toBeUndefined();
        seen.set(code, area);
      }
    expect(seen.size).toBeGreaterThan(50);
  });

  it('lists every code with its meaning in docs/errors.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
    const missing: string[] = [];
    for (const meanings of Object.values(CATALOGUES))
      for (const [code, meaning] of Object.entries(meanings)) {
        const row = `| \`${code}\` | ${meaning.replace(/\|/g, '\\|')} |`;
        if (!doc.includes(row)) missing.push(row);
      }
    expect(missing, 'rows docs/errors.md lacks (add them under the area)').toEqual([]);
  });

  it('leaves no loose code strings where errors are made: each names its catalogue', () => {
    const loose: string[] = [];
    const at =
      /(?:new\s+(?!HttpCallError)[A-Za-z]*Error|super)\(\s*'([A-Z][A-Z0-9_]{2,})'|\bcode(?:\s*=|:)\s*'([A-Z][A-Z0-9_]{2,})'/g;
    for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'commands'))]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(at)) {
        const code = m[1] ?? m[2]!;
        // System error names (ECONNREFUSED, ENOSPC) pass through as they are.
        if (!/^E[A-Z]+$/.test(code)) loose.push(`${file.slice(ROOT.length + 1)}: '${code}'`);
      }
    }
    expect(loose).toEqual([]);
  });
});
