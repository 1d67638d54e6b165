/**
 * A throwaway PostgreSQL server for tests: initdb into a temp directory and run `postgres` from the local
 * binaries on a random loopback port. Postgres refuses to run as root, so when the tests run as root the
 * data directory is handed to the `postgres` system user and the server runs under that uid.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { freePort, runToCompletion, ServerStartError, spawnServer, waitFor, type ManagedProcess } from './proc.js';

export interface PostgresServer {
  readonly url: string;
  readonly port: number;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

function binDir(): string {
  if (process.env.EVO_TEST_PG_BIN) return process.env.EVO_TEST_PG_BIN;
  for (const v of ['17', '16', '15', '14', '13']) {
    const d = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(d, 'postgres'))) return d;
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new ServerStartError(
      'postgres',
      'no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir); install the postgresql package or set EVO_TEST_PG_BIN',
    );
  }
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new ServerStartError(
      'postgres',
      'running as root, and there is no `postgres` user to run the server as (postgres refuses to run as root)',
    );
  }
}

/** Starts a server in a fresh directory below `parent` (or the system temp dir); `stop()` removes it. */
export async function startPostgres(parent: string = tmpdir()): Promise<PostgresServer> {
  const bin = binDir();
  const owner = postgresUser();
  mkdirSync(parent, { recursive: true });
  // The server user must be able to reach its directory, and test temp dirs are 0700 and root-owned:
  // as root, the server gets its own directory directly in the (world-traversable) system temp dir.
  const root = mkdtempSync(join(owner ? tmpdir() : parent, 'evo-pg-'));
  const data = join(root, 'pgdata');
  const sockets = join(root, 'sock');
  mkdirSync(sockets, { recursive: true });
  if (owner) {
    chmodSync(root, 0o700);
    chownSync(root, owner.uid, owner.gid);
    chownSync(sockets, owner.uid, owner.gid);
  }
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  try {
    await runToCompletion(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'evochora', '-E', 'UTF8', '--no-sync'],
      { env, uid: owner?.uid, gid: owner?.gid, timeoutMs: 120_000, cwd: root },
    );
  } catch (err) {
    throw new ServerStartError('postgres (initdb)', (err as Error).message);
  }
  const port = await freePort();
  const proc = spawnServer('postgres', join(bin, 'postgres'), {
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      sockets,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    logFile: join(root, 'postgres.log'),
    env,
    cwd: root,
    uid: owner?.uid,
    gid: owner?.gid,
    stopSignal: 'SIGINT',
  });
  const url = `postgres://evochora@127.0.0.1:${port}/postgres`;
  try {
    await waitFor(
      `postgres to accept connections on port ${port}`,
      async () => {
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
        try {
          await c.connect();
          await c.query('SELECT 1');
          return true;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      60_000,
      proc,
    );
  } catch (err) {
    await proc.stop(3000);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    process: proc,
    stop: async () => {
      await proc.stop(10_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
