/**
 * The web UI is plain ES modules served one file each: every import between them must name a file in
 * src/web/static (or one of the modules the server adds), or the page fails to load in the browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATIC_DIR, staticRoutes } from '../../../src/web/static-routes.js';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('web UI modules', () => {
  const files = readdirSync(STATIC_DIR).filter((f) => f.endsWith('.js'));
  const served = new Set(staticRoutes().map((r) => r.pattern));

  it('resolves every import to a served file', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(STATIC_DIR, file), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2]!;
        // The pages and their modules are served from /, so './x.js' is '/x.js'.
        const path = spec.startsWith('./') ? spec.slice(1) : spec;
        const ok = files.includes(path.slice(1)) || served.has(path);
        if (!ok) missing.push(`${file} → ${spec}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('loads the visualizer as small modules from main.js', () => {
    const html = readFileSync(join(STATIC_DIR, 'visualizer.html'), 'utf8');
    expect(html).toContain('<script type="module" src="main.js"></script>');
    for (const module of ['state', 'api', 'renderer', 'timeline', 'inspector', 'push', 'organism-list', 'main'])
      expect(files, module).toContain(`${module}.js`);
    // Small: no module of the visualizer grows back into one script.
    for (const file of files.filter((f) => !f.startsWith('analyzer')))
      expect(readFileSync(join(STATIC_DIR, file), 'utf8').split('\n').length, file).toBeLessThan(400);
  });
});
