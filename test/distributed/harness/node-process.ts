/**
 * Evochora nodes as real processes for the distributed tests: `evochora node run -c config/distributed/<role>.conf`
 * from the built CLI, with per-test overrides (`--set`) that point every shared resource at the test's servers
 * and give each test its own streams, bucket and registry schema. Status comes from the node's HTTP API.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBuildCurrent } from '../../helpers/built-cli.js';
import { spawnServer, waitFor, type ManagedProcess } from './proc.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = join(REPO_ROOT, 'bin', 'run.js');

export type Role = 'simulation-host' | 'persistence-host' | 'indexer-host';

/** Where the servers of one test are, and the names that keep tests apart. */
export interface Deployment {
  readonly nats: string;
  readonly s3Endpoint: string;
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  readonly pgUrl: string;
  /** Unique per test: stream, subject, bucket and schema names derive from it. */
  readonly ns: string;
}

const ROLE_RESOURCES: Record<Role, string[]> = {
  'simulation-host': ['tick-queue', 'metadata-queue', 'tick-storage'],
  'persistence-host': [
    'tick-queue',
    'metadata-queue',
    'tick-storage',
    'batch-topic',
    'metadata-topic',
    'persistence-dlq',
  ],
  'indexer-host': ['batch-topic', 'metadata-topic', 'tick-storage', 'index-database', 'indexer-dlq'],
};

export function bucketOf(d: Deployment): string {
  return `evochora-${d.ns.toLowerCase()}`;
}

export function streamOf(d: Deployment, resource: string): string {
  return `${d.ns.toUpperCase()}_${resource.toUpperCase().replace(/-/g, '_')}`;
}

export function registrySchemaOf(d: Deployment): string {
  return `evochora_${d.ns.toLowerCase()}`;
}

/** `--set` overrides that bind a role's shared resources to this deployment. */
export function deploymentOverrides(role: Role, d: Deployment, extra: Record<string, string | number> = {}): string[] {
  const sets: Record<string, string | number> = {};
  const r = (name: string, key: string, value: string | number): void => {
    sets[`pipeline.resources.${name}.options.${key}`] = value;
  };
  for (const name of ROLE_RESOURCES[role]) {
    // The shared DLQs (S3DeadLetterQueue) live in the run storage's bucket.
    if (name === 'tick-storage' || name.endsWith('-dlq')) {
      r(name, 'endpoint', d.s3Endpoint);
      r(name, 'bucket', bucketOf(d));
      r(name, 'accessKeyId', d.s3AccessKeyId);
      r(name, 'secretAccessKey', d.s3SecretAccessKey);
    } else if (name === 'index-database') {
      r(name, 'connectionString', d.pgUrl);
      r(name, 'registrySchema', registrySchemaOf(d));
    } else {
      r(name, 'servers', d.nats);
      r(name, 'stream', streamOf(d, name));
      r(name, 'subject', `${d.ns.toLowerCase()}.${name}`);
      r(name, 'connectTimeoutMs', 60_000);
    }
  }
  Object.assign(sets, extra);
  return Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

export interface NodeProcess {
  readonly role: Role;
  readonly name: string;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  port(): number;
  status(): Promise<PipelineStatusBody>;
  /** Metrics of one service (from its status). */
  serviceMetrics(service: string): Promise<Record<string, number>>;
  bindingMetrics(service: string, port: string): Promise<Record<string, number>>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface PipelineStatusBody {
  services: Array<{
    name: string;
    state: string;
    metrics: Record<string, number>;
    errors: unknown[];
    resourceBindings: Array<{ portName: string; metrics: Record<string, number> }>;
  }>;
  resources: Array<{ name: string; metrics: Record<string, number> }>;
}

export async function startNode(
  role: Role,
  name: string,
  dataDir: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<NodeProcess> {
  assertBuildCurrent(REPO_ROOT, 'distributed');
  mkdirSync(dataDir, { recursive: true });
  const proc = spawnServer(`evochora ${name}`, process.execPath, {
    args: [
      CLI,
      'node',
      'run',
      '-c',
      join(REPO_ROOT, 'config', 'distributed', `${role}.conf`),
      '--data-dir',
      dataDir,
      '--port',
      '0',
      ...args,
    ],
    logFile: join(dataDir, 'process.log'),
    // The node rejects unknown EVOCHORA_* variables: pass none of the test runner's own.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EVOCHORA_'))),
      ...env,
      EVOCHORA_LOGGING_FORMAT: 'json',
    },
    cwd: dataDir,
  });
  const stateFile = join(dataDir, 'node', 'node.json');
  let port = 0;
  await waitFor(
    `${name} (${role}) to report ready`,
    () => {
      if (!existsSync(stateFile)) return false;
      const s = JSON.parse(readFileSync(stateFile, 'utf8')) as { port?: number };
      port = s.port ?? 0;
      return port > 0;
    },
    120_000,
    proc,
  );
  const status = async (): Promise<PipelineStatusBody> => {
    const res = await fetch(`http://127.0.0.1:${port}/pipeline/api/status`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${name}: status answered ${res.status}`);
    return (await res.json()) as PipelineStatusBody;
  };
  return {
    role,
    name,
    dataDir,
    process: proc,
    port: () => port,
    status,
    serviceMetrics: async (service) => (await status()).services.find((s) => s.name === service)?.metrics ?? {},
    bindingMetrics: async (service, portName) =>
      (await status()).services.find((s) => s.name === service)?.resourceBindings.find((b) => b.portName === portName)
        ?.metrics ?? {},
    stop: () => proc.stop(30_000),
    kill: () => proc.kill(),
  };
}
