import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_PLUGINS } from '../../../src/pipeline/analytics/plugin-catalogue.js';

describe('docs/analytics.md', () => {
  it('documents every table and column of every plugin', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'analytics.md'), 'utf8');
    const missing: string[] = [];
    for (const p of METRIC_PLUGINS) {
      if (!doc.includes(`### \`${p.id}\` (${p.kind}, schema version ${p.version})`)) missing.push(`table ${p.id}`);
      for (const c of p.columns)
        if (!doc.includes(`| \`${c.name}\` | ${c.type} | ${c.doc} |`)) missing.push(`${p.id}.${c.name}`);
    }
    expect(missing).toEqual([]);
  });
});
