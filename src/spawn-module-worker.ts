/**
 * Starts a worker from a sibling module. In the built product the `.js` file is used directly; when running
 * from TypeScript sources (tests, `bin/dev.js`) the worker first registers tsx's loader, then imports the `.ts`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnModuleWorker(baseUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const js = new URL(`./${name}.js`, baseUrl);
  if (existsSync(fileURLToPath(js))) return new Worker(js, options);
  const ts = new URL(`./${name}.ts`, baseUrl);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
