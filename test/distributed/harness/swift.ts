/**
 * OpenStack Swift with the s3api middleware on loopback for tests: memcached, account/container/object
 * servers and the proxy, from the Debian packages. Rings (one device, one replica) and every config file are
 * generated here into a temp directory; nothing is read from the source tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  freePorts,
  runToCompletion,
  ServerStartError,
  spawnServer,
  tcpOpen,
  waitFor,
  type ManagedProcess,
} from './proc.js';

export interface SwiftServer {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly processes: readonly ManagedProcess[];
  /** Creates a bucket (idempotent). */
  createBucket(name: string): Promise<void>;
  client(): S3Client;
  stop(): Promise<void>;
}

const ACCESS_KEY = 'test:tester';
const SECRET_KEY = 'testing';

function ini(sections: Record<string, Record<string, string | number | boolean>>): string {
  return Object.entries(sections)
    .map(
      ([name, kv]) =>
        `[${name}]\n${Object.entries(kv)
          .map(([k, v]) => `${k} = ${String(v)}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

export async function startSwift(root: string): Promise<SwiftServer> {
  const etc = join(root, 'etc');
  const devices = join(root, 'node');
  mkdirSync(join(devices, 'd1'), { recursive: true });
  mkdirSync(etc, { recursive: true });
  const [memcachePort, accountPort, containerPort, objectPort, proxyPort] = await freePorts(5);
  const user = userInfo().username;

  // Same hash settings as the packaged /etc/swift/swift.conf (which the servers also read).
  writeFileSync(
    join(etc, 'swift.conf'),
    ini({
      'swift-hash': { swift_hash_path_suffix: 'changeme', swift_hash_path_prefix: 'changeme' },
      'storage-policy:0': { name: 'Policy-0', default: 'yes' },
    }),
  );
  for (const [ring, port] of [
    ['account', accountPort],
    ['container', containerPort],
    ['object', objectPort],
  ] as const) {
    const builder = join(etc, `${ring}.builder`);
    try {
      await runToCompletion('swift-ring-builder', [builder, 'create', '8', '1', '1']);
      await runToCompletion('swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${port}/d1`, '1']);
      await runToCompletion('swift-ring-builder', [builder, 'rebalance']);
    } catch (err) {
      throw new ServerStartError('swift rings', (err as Error).message);
    }
  }
  const common = {
    bind_ip: '127.0.0.1',
    devices,
    mount_check: false,
    swift_dir: etc,
    workers: 0,
    log_level: 'WARNING',
    user,
  };
  const confs: Record<string, string> = {
    account: ini({
      DEFAULT: { ...common, bind_port: accountPort! },
      'pipeline:main': { pipeline: 'account-server' },
      'app:account-server': { use: 'egg:swift#account' },
      'account-replicator': {},
      'account-auditor': {},
      'account-reaper': {},
    }),
    container: ini({
      DEFAULT: { ...common, bind_port: containerPort! },
      'pipeline:main': { pipeline: 'container-server' },
      'app:container-server': { use: 'egg:swift#container' },
      'container-replicator': {},
      'container-updater': {},
      'container-auditor': {},
      'container-sync': {},
    }),
    object: ini({
      DEFAULT: { ...common, bind_port: objectPort! },
      'pipeline:main': { pipeline: 'object-server' },
      'app:object-server': { use: 'egg:swift#object' },
      'object-replicator': {},
      'object-updater': {},
      'object-auditor': {},
    }),
    proxy: ini({
      DEFAULT: { bind_ip: '127.0.0.1', bind_port: proxyPort!, swift_dir: etc, workers: 0, log_level: 'WARNING', user },
      'pipeline:main': {
        pipeline:
          'catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server',
      },
      // One device per ring: after a few slow answers under load (2 busy cores in CI) the proxy's default error
      // limiting would take that device out for 60 s and answer 503 "Please reduce your request rate" meanwhile.
      // Generous timeouts and a device that is never error-limited keep a slow moment from becoming a dead store.
      'app:proxy-server': {
        use: 'egg:swift#proxy',
        account_autocreate: true,
        conn_timeout: 5,
        node_timeout: 30,
        error_suppression_limit: 1_000_000,
        error_suppression_interval: 1,
      },
      'filter:catch_errors': { use: 'egg:swift#catch_errors' },
      'filter:gatekeeper': { use: 'egg:swift#gatekeeper' },
      'filter:healthcheck': { use: 'egg:swift#healthcheck' },
      'filter:proxy-logging': { use: 'egg:swift#proxy_logging' },
      'filter:cache': { use: 'egg:swift#memcache', memcache_servers: `127.0.0.1:${memcachePort}` },
      'filter:listing_formats': { use: 'egg:swift#listing_formats' },
      'filter:s3api': { use: 'egg:swift#s3api', location: 'us-east-1' },
      'filter:tempauth': {
        use: 'egg:swift#tempauth',
        user_admin_admin: 'admin .admin .reseller_admin',
        user_test_tester: `${SECRET_KEY} .admin`,
      },
      'filter:copy': { use: 'egg:swift#copy' },
      'filter:slo': { use: 'egg:swift#slo' },
      'filter:dlo': { use: 'egg:swift#dlo' },
    }),
  };
  for (const [name, text] of Object.entries(confs)) writeFileSync(join(etc, `${name}-server.conf`), text);

  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop(5000)));
  };
  try {
    const memcachedArgs = ['-l', '127.0.0.1', '-p', String(memcachePort), '-U', '0', '-m', '32'];
    if (process.getuid?.() === 0) memcachedArgs.push('-u', 'memcache');
    const memcached = spawnServer('memcached', 'memcached', {
      args: memcachedArgs,
      logFile: join(root, 'memcached.log'),
    });
    processes.push(memcached);
    for (const name of ['account', 'container', 'object', 'proxy'] as const) {
      processes.push(
        spawnServer(`swift-${name}-server`, `swift-${name}-server`, {
          args: [join(etc, `${name}-server.conf`)],
          logFile: join(root, `${name}.log`),
        }),
      );
    }
    await waitFor(`memcached on port ${memcachePort}`, () => tcpOpen(memcachePort!), 20_000, memcached);
    const ports = [accountPort!, containerPort!, objectPort!, proxyPort!];
    for (let i = 0; i < 4; i++)
      await waitFor(
        `${processes[i + 1]!.name} on port ${ports[i]}`,
        () => tcpOpen(ports[i]!),
        60_000,
        processes[i + 1],
      );
    await waitFor(
      'the Swift proxy healthcheck',
      async () => (await fetch(`http://127.0.0.1:${proxyPort}/healthcheck`, { signal: AbortSignal.timeout(2000) })).ok,
      30_000,
      processes[4],
    );
  } catch (err) {
    await stop();
    if (err instanceof ServerStartError) throw err;
    throw new ServerStartError('swift', (err as Error).message);
  }
  const endpoint = `http://127.0.0.1:${proxyPort}`;
  const client = (): S3Client =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
  const server: SwiftServer = {
    endpoint,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    region: 'us-east-1',
    processes,
    client,
    createBucket: async (name) => {
      const c = client();
      try {
        await waitFor(
          `bucket ${name} to be created on Swift`,
          async () => {
            try {
              await c.send(new CreateBucketCommand({ Bucket: name }));
              return true;
            } catch (err) {
              const n = (err as Error).name;
              if (n === 'BucketAlreadyOwnedByYou' || n === 'BucketAlreadyExists') return true;
              throw err;
            }
          },
          30_000,
        );
      } finally {
        c.destroy();
      }
    },
    stop,
  };
  return server;
}
