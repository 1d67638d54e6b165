import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DUMMY_PIPELINE, evochora, isAlive, tempDataDir, until } from '../../helpers/cli.js';
import { NODE_PROCESS_FLAGS } from '../../../src/node/node-process-flags.js';

const started: Array<{ dataDir: string }> = [];

async function startNode(dataDir: string, extra: string[] = []) {
  const res = await evochora([
    'node',
    'run',
    '-c',
    DUMMY_PIPELINE,
    '--detached',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--json',
    ...extra,
  ]);
  if (res.exitCode === 0) started.push({ dataDir });
  return res;
}

afterEach(async () => {
  for (const { dataDir } of started.splice(0)) {
    await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '5000']);
  }
});

function state(dataDir: string): { pid: number; port: number; nonce: string } {
  return JSON.parse(readFileSync(join(dataDir, 'node', 'node.json'), 'utf8'));
}

async function metric(dataDir: string, service: string, key: string): Promise<number> {
  const res = await evochora(['pipeline', 'status', service, '--data-dir', dataDir, '--json']);
  expect(res.exitCode).toBe(0);
  return res.json!.result.metrics[key];
}

describe('node daemon lifecycle (real processes)', () => {
  it('starts detached, reports status, pauses and resumes the pipeline, and stops cleanly', async () => {
    const dataDir = tempDataDir();
    const start = await startNode(dataDir);
    expect(start.exitCode, start.stdout + start.stderr).toBe(0);
    const { pid, port, logFile } = start.json!.result;
    expect(start.json).toMatchObject({
      status: 0,
      result: { pid: expect.any(Number), port: expect.any(Number), dataDir, detached: true },
      warnings: [],
    });
    expect(logFile).toBe(join(dataDir, 'logs', 'node.log'));
    expect(isAlive(pid)).toBe(true);
    expect(state(dataDir)).toMatchObject({ pid, port });
    expect(statSync(join(dataDir, 'node', 'token')).mode & 0o777).toBe(0o600);
    // The daemon runs with the node process's V8 flags.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of NODE_PROCESS_FLAGS) expect(cmdline).toContain(flag);

    const status = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
    expect(status.exitCode).toBe(0);
    expect(status.json!.result).toMatchObject({
      running: true,
      pid,
      port,
      pipeline: { status: 'RUNNING', healthy: true },
    });

    const pipeline = await evochora(['pipeline', 'status', '--data-dir', dataDir, '--json']);
    expect(pipeline.exitCode).toBe(0);
    expect(pipeline.json!.result.services.map((s: { name: string; state: string }) => [s.name, s.state])).toEqual([
      ['dummy-producer', 'RUNNING'],
      ['dummy-consumer', 'RUNNING'],
    ]);
    expect(pipeline.json!.result.resources[0]).toMatchObject({ name: 'demo-queue', type: 'InMemoryQueue' });

    await until(async () => (await metric(dataDir, 'dummy-consumer', 'messages_consumed')) > 3, 'messages to flow');
    const pause = await evochora(['pipeline', 'pause', '--data-dir', dataDir, '--json']);
    expect(pause.json).toMatchObject({ status: 0, result: { action: 'pause', accepted: true } });
    await until(async () => {
      const s = await evochora(['pipeline', 'status', '--data-dir', dataDir, '--json']);
      return s.json!.result.services.every((x: { state: string }) => x.state === 'PAUSED');
    }, 'all services paused');
    const frozen = await metric(dataDir, 'dummy-producer', 'messages_sent');
    await new Promise((r) => setTimeout(r, 300));
    expect(await metric(dataDir, 'dummy-producer', 'messages_sent')).toBe(frozen);

    const again = await evochora(['pipeline', 'pause', 'dummy-producer', '--data-dir', dataDir, '--json']);
    expect(again.exitCode).toBe(1);
    expect(again.json).toMatchObject({ status: 1, code: 'INVALID_TRANSITION' });
    const unknown = await evochora(['pipeline', 'stop', 'ghost', '--data-dir', dataDir, '--json']);
    expect(unknown.json).toMatchObject({ status: 1, code: 'UNKNOWN_SERVICE' });

    expect((await evochora(['pipeline', 'resume', '--data-dir', dataDir])).exitCode).toBe(0);
    await until(
      async () => (await metric(dataDir, 'dummy-producer', 'messages_sent')) > frozen + 3,
      'messages after resume',
    );

    const metrics = await request(`http://127.0.0.1:${port}/metrics`);
    const text = await metrics.body.text();
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(text).toMatch(/evochora_service_messages_sent_total\{service="dummy-producer"\} \d+/);
    expect(text).toContain('# TYPE evochora_service_messages_sent_total counter');
    expect(text).toMatch(/evochora_service_state\{service="dummy-consumer",state="RUNNING"\} 1/);
    expect(text).toMatch(/evochora_process_event_loop_delay_p99_seconds\{\} [\d.e-]+/);

    const logs = await evochora(['node', 'logs', '--data-dir', dataDir, '-n', '3', '--json']);
    expect(logs.json!.result.lines).toHaveLength(3);
    expect(logs.json!.result.lines[0]).toMatch(/^\{"level":/);
    // Readable lines, as the foreground node prints them (the default on a terminal); raw JSON stays available.
    const pretty = await evochora(['node', 'logs', '--data-dir', dataDir, '-n', '3', '--format', 'pretty']);
    expect(pretty.stdout.split('\n')).toHaveLength(3);
    expect(pretty.stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO/);
    expect(pretty.stdout).not.toContain('{"level"');
    const raw = await evochora(['node', 'logs', '--data-dir', dataDir, '-n', '1']);
    expect(raw.stdout).toMatch(/^\{"level":/);

    const stop = await evochora(['node', 'stop', '--data-dir', dataDir, '--json']);
    started.pop();
    expect(stop.json).toMatchObject({ status: 0, result: { stopped: true, pid, escalation: 'none' } });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'node', 'token'))).toBe(false);
    const after = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
    expect(after.exitCode).toBe(3);
    expect(after.json).toMatchObject({ status: 3, result: { running: false } });
    const ctl = await evochora(['pipeline', 'status', '--data-dir', dataDir, '--json']);
    expect(ctl.exitCode).toBe(3);
    expect(ctl.json).toMatchObject({ code: 'NODE_NOT_RUNNING' });
  });

  it('lets exactly one of 10 concurrent detached starts win; the others name the running pid', async () => {
    const dataDir = tempDataDir();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        evochora(['node', 'run', '-c', DUMMY_PIPELINE, '--detached', '--port', '0', '--data-dir', dataDir, '--json']),
      ),
    );
    const winners = results.filter((r) => r.exitCode === 0);
    expect(winners, results.map((r) => r.stdout + r.stderr).join('\n')).toHaveLength(1);
    started.push({ dataDir });
    const pid = winners[0]!.json!.result.pid;
    for (const loser of results.filter((r) => r.exitCode !== 0)) {
      expect(loser.json).toMatchObject({ code: 'NODE_ALREADY_RUNNING' });
      expect(loser.json!.message).toContain(`pid ${pid}`);
    }
    expect(state(dataDir).pid).toBe(pid);
  });

  it('treats a state file with a dead pid as stale', async () => {
    const dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'node'), { recursive: true });
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(
      join(dataDir, 'node', 'node.json'),
      JSON.stringify({
        pid: dead.pid,
        port: 1,
        host: '127.0.0.1',
        nonce: 'x',
        startedAt: '',
        version: '0',
        logFile: null,
        dataDir,
      }),
    );
    const status = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
    expect(status.exitCode).toBe(3);
    expect(status.json!.result.staleFilesRemoved).toMatch(/dead/);
    expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
    expect((await startNode(dataDir)).exitCode).toBe(0);
  });

  it('treats a state file naming a live process that is not our node as stale', async () => {
    const dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'node'), { recursive: true });
    const foreign = spawn('sleep', ['30']);
    try {
      const port = await freePort();
      writeFileSync(
        join(dataDir, 'node', 'node.json'),
        JSON.stringify({
          pid: foreign.pid,
          port,
          host: '127.0.0.1',
          nonce: 'x',
          startedAt: '',
          version: '0',
          logFile: null,
          dataDir,
        }),
      );
      const status = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
      expect(status.exitCode).toBe(3);
      expect(status.json!.result.staleFilesRemoved).toMatch(/not an evochora node/);
      const start = await startNode(dataDir);
      expect(start.exitCode, start.stdout).toBe(0);
      expect(isAlive(foreign.pid!)).toBe(true);
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  it('recovers after kill -9: status says not running, a new start succeeds', async () => {
    const dataDir = tempDataDir();
    const first = await startNode(dataDir);
    const pid = first.json!.result.pid as number;
    process.kill(pid, 'SIGKILL');
    await until(() => !isAlive(pid), 'the node to die');
    const status = await evochora(['node', 'status', '--data-dir', dataDir, '--json']);
    expect(status.exitCode).toBe(3);
    const second = await startNode(dataDir);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.json!.result.pid).not.toBe(pid);
  });

  it('fails at once with DATA_DIR_UNUSABLE for a data dir under /proc (it used to hang, deaf to SIGTERM)', async () => {
    for (const detached of [false, true]) {
      const started = performance.now();
      const res = await evochora(
        [
          'node',
          'run',
          '--port',
          '0',
          '--data-dir',
          '/proc/evochora-nope',
          '--json',
          ...(detached ? ['--detached'] : []),
        ],
        { timeout: 20_000 },
      );
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(res.exitCode).not.toBe(0);
      expect(res.json?.code, res.stdout + res.stderr).toBe('DATA_DIR_UNUSABLE');
      expect(res.json?.message).toContain('/proc/evochora-nope');
    }
  });

  it('fails clearly when the port is in use and leaves no files behind', async () => {
    const dataDir = tempDataDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await evochora([
        'node',
        'run',
        '-c',
        DUMMY_PIPELINE,
        '--detached',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--json',
      ]);
      expect(res.exitCode).toBe(1);
      expect(res.json).toMatchObject({ code: 'PORT_IN_USE' });
      expect(res.json!.message).toContain(String(port));
      expect(res.json!.actions!.join(' ')).toMatch(/node\.port/);
      expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('answers 401 on mutating endpoints without the right token', async () => {
    const dataDir = tempDataDir();
    const { port } = (await startNode(dataDir)).json!.result;
    for (const auth of [undefined, 'Bearer wrong']) {
      const res = await request(`http://127.0.0.1:${port}/pipeline/api/pause`, {
        method: 'POST',
        headers: auth ? { authorization: auth } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(await res.body.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const ok = await request(`http://127.0.0.1:${port}/pipeline/api/service/dummy-producer/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readFileSync(join(dataDir, 'node', 'token'), 'utf8').trim()}` },
    });
    expect(ok.statusCode).toBe(202);
    await ok.body.text();
    const conflict = await request(`http://127.0.0.1:${port}/pipeline/api/service/dummy-producer/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readFileSync(join(dataDir, 'node', 'token'), 'utf8').trim()}` },
    });
    expect(conflict.statusCode).toBe(409);
    expect(await conflict.body.json()).toMatchObject({ code: 'INVALID_TRANSITION' });
    const missing = await request(`http://127.0.0.1:${port}/pipeline/api/service/ghost/status`);
    expect(missing.statusCode).toBe(404);
    await missing.body.text();
  });

  it('refuses to start with a bad config and names the key (exit 2)', async () => {
    const dataDir = tempDataDir();
    const conf = join(dataDir, 'bad.conf');
    writeFileSync(conf, 'node {\n  port = "eighty"\n}\n');
    const res = await evochora(['node', 'run', '--detached', '-c', conf, '--data-dir', dataDir, '--json']);
    expect(res.exitCode).toBe(2);
    expect(res.json).toMatchObject({ status: 2, code: 'CONFIG_INVALID' });
    expect(res.json!.message).toContain(`${conf}:2:3: node.port = "eighty": expected an integer from 0 to 65535`);
    expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
  });

  it('runs in the foreground and drains on SIGINT', async () => {
    const dataDir = tempDataDir();
    const child = spawn(
      process.execPath,
      [
        join(__dirname, '../../../bin/run.js'),
        'node',
        'run',
        '-c',
        DUMMY_PIPELINE,
        '--port',
        '0',
        '--data-dir',
        dataDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    await until(() => existsSync(join(dataDir, 'node', 'node.json')) || undefined, 'the foreground node to be ready');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(output).toMatch(/node stopping/);
    expect(output).toMatch(/node stopped/);
    expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
