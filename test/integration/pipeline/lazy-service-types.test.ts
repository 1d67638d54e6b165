import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'evo-lazy-types-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The dist/src modules a fresh process loads running `script` (an ES module body, cwd = the repository). */
function modulesLoadedBy(script: string): string[] {
  const res = spawnSync(
    process.execPath,
    ['--import', './test/fixtures/register-module-load-hooks.mjs', '--input-type=module', '-e', script, dataDir],
    { cwd: root, encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`script failed (${res.status}): ${res.stderr}`);
  return res.stderr
    .split('\n')
    .filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length))
    .filter((u) => u.includes('/dist/src/'))
    .map((u) => u.slice(u.indexOf('/dist/src/') + '/dist/src/'.length));
}

// Commands that read stored runs (verify, inspect, index, cleanup) build resources through the registry; the
// service implementations (the engine and the runtime, indexers, analytics) load only when a pipeline runs them.
describe('service types load their implementation when a pipeline uses them', () => {
  it('the registry alone loads no service implementation and nothing of the runtime', () => {
    const loaded = modulesLoadedBy(`
      const { defaultRegistry } = await import('./dist/src/pipeline/registry.js');
      defaultRegistry();`);
    expect(loaded).toContain('pipeline/registry.js');
    expect(loaded).toContain('pipeline/services/simulation-engine-type.js');
    const implementations = loaded.filter(
      (m) =>
        m.startsWith('runtime/') ||
        /^pipeline\/services\/(simulation-engine|persistence-service|metadata-persistence-service)\.js$/.test(m) ||
        /^pipeline\/services\/indexers\/(analytics-indexer|batch-indexers|metadata-indexer)\.js$/.test(m),
    );
    expect(implementations).toEqual([]);
  });

  it('a service manager for the default pipeline loads them before its preflight and creates every service', () => {
    const loaded = modulesLoadedBy(`
      import pino from 'pino';
      const { ServiceManager } = await import('./dist/src/pipeline/service-manager.js');
      const { defaultRegistry } = await import('./dist/src/pipeline/registry.js');
      const { loadConfig } = await import('./dist/src/config/loader.js');
      const { config } = loadConfig({ env: {}, cwd: process.argv[1], overrides: ['pipeline.autoStart=false', 'node.dataDir=' + process.argv[1]] });
      const sm = await ServiceManager.create({ config, registry: defaultRegistry(), logger: pino({ level: 'silent' }) });
      for (const name of sm.serviceNames()) sm.start(name);
      await sm.shutdown();`);
    for (const m of [
      'pipeline/services/simulation-engine.js',
      'pipeline/services/persistence-service.js',
      'pipeline/services/indexers/analytics-indexer.js',
      'pipeline/services/indexers/batch-indexers.js',
      'runtime/simulation.js',
    ])
      expect(loaded).toContain(m);
  });
});
