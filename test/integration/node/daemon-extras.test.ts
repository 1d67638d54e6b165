import { execa } from 'execa';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, DUMMY_PIPELINE, evochora, isAlive, tempDataDir, until } from '../../helpers/cli.js';

const started: string[] = [];

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
  expect(res.exitCode, res.stdout + res.stderr).toBe(0);
  started.push(dataDir);
  return res.json!.result as { pid: number; port: number; logFile: string };
}

afterEach(async () => {
  for (const dataDir of started.splice(0)) {
    const state = join(dataDir, 'node', 'node.json');
    if (existsSync(state)) {
      const { pid } = JSON.parse(readFileSync(state, 'utf8'));
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '3000']);
  }
});

describe('node daemon: operations', () => {
  it('reopens its log file on SIGHUP (logrotate)', async () => {
    const dataDir = tempDataDir();
    const { pid, logFile } = await startNode(dataDir);
    renameSync(logFile, `${logFile}.1`);
    process.kill(pid, 'SIGHUP');
    await until(() => existsSync(logFile) || undefined, 'a new log file after SIGHUP');
    await evochora(['pipeline', 'pause', '--data-dir', dataDir]);
    await until(
      () => (readFileSync(logFile, 'utf8').includes('paused') ? true : undefined),
      'new lines in the reopened log',
    );
    expect(readFileSync(`${logFile}.1`, 'utf8')).toContain('node ready');
  });

  it('escalates to signals when the node does not answer a stop request', async () => {
    const dataDir = tempDataDir();
    const { pid } = await startNode(dataDir);
    process.kill(pid, 'SIGSTOP'); // a hung node: alive, but its API cannot answer
    const stop = await evochora(['node', 'stop', '--data-dir', dataDir, '--timeout', '500', '--json']);
    expect(stop.exitCode, stop.stdout).toBe(0);
    expect(stop.json!.result).toMatchObject({ stopped: true, pid });
    expect(['SIGTERM', 'SIGKILL']).toContain(stop.json!.result.escalation);
    expect(stop.json!.warnings!.join(' ')).toMatch(/did not exit/);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'node', 'node.json'))).toBe(false);
    started.pop();
  });

  it('reports unknown (exit 4) for a live node whose API does not answer', async () => {
    const dataDir = tempDataDir();
    const { pid } = await startNode(dataDir);
    process.kill(pid, 'SIGSTOP');
    try {
      const status = await evochora(['node', 'status', '--data-dir', dataDir, '--timeout', '300', '--json']);
      expect(status.exitCode).toBe(4);
      expect(status.json).toMatchObject({ status: 4, result: { state: 'unknown', pid } });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('honours EVOCHORA_CONTENT_TYPE=json like --json, through oclif and the fast path alike', async () => {
    const dataDir = tempDataDir();
    await startNode(dataDir);
    for (const args of [
      ['node', 'status'],
      ['pipeline', 'status'],
      ['pipeline', 'pause', 'dummy-producer'],
      ['node', 'logs', '-n', '1'],
    ]) {
      const res = await execa(process.execPath, [CLI, ...args, '--data-dir', dataDir], {
        reject: false,
        env: { EVOCHORA_CONTENT_TYPE: 'json' },
      });
      const envelope = JSON.parse(String(res.stdout));
      expect(envelope, args.join(' ')).toMatchObject({ status: 0, warnings: [] });
      expect(envelope.result).toBeDefined();
    }
  });

  it('applies per-logger levels from config', async () => {
    const dataDir = tempDataDir();
    const { logFile } = await startNode(dataDir, ['--set', 'logging.levels.dummy-producer=warn']);
    await evochora(['pipeline', 'pause', '--data-dir', dataDir]);
    await until(
      () => (readFileSync(logFile, 'utf8').includes('dummy-consumer paused') ? true : undefined),
      'the consumer pause line',
    );
    expect(readFileSync(logFile, 'utf8')).not.toContain('dummy-producer paused');
  });

  it('runs commands from the interactive shell, one envelope per line', async () => {
    const dataDir = tempDataDir();
    await startNode(dataDir);
    const res = await execa(process.execPath, [CLI, 'shell', '--history', join(dataDir, 'history')], {
      input: `node status --data-dir ${dataDir} --json\npipeline status nope --data-dir ${dataDir}\nexit\n`,
      reject: false,
      env: { EVOCHORA_CONTENT_TYPE: '' },
    });
    expect(res.exitCode).toBe(0);
    expect(String(res.stdout)).toContain('"running": true');
    expect(String(res.stderr)).toContain('UNKNOWN_SERVICE');
  });

  it('`help` works on the command line and in the shell, and no error ends the shell', async () => {
    const top = await evochora(['help']);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/COMMANDS|TOPICS/);
    const one = await evochora(['help', 'pipeline', 'status']);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toMatch(/\$ evochora pipeline status/);
    const dataDir = tempDataDir();
    const res = await execa(process.execPath, [CLI, 'shell', '--history', join(dataDir, 'history')], {
      input: `help nope\nhelp node\nbogus words\nnode status --data-dir ${dataDir}\nexit\n`,
      reject: false,
      env: { EVOCHORA_CONTENT_TYPE: '' },
    });
    expect(res.exitCode).toBe(0);
    // Every line ran, though the first two failed: the node's topic help and then `node status` (not running).
    expect(String(res.stdout)).toMatch(/node run/);
    expect(String(res.stderr)).toMatch(/unknown command: bogus words/);
    expect(String(res.stdout)).toMatch(/not running/);
  });

  it('prints help for every command', async () => {
    for (const cmd of [
      ['node', 'run'],
      ['node', 'status'],
      ['node', 'stop'],
      ['node', 'logs'],
      ['pipeline', 'status'],
      ['pipeline', 'pause'],
      ['shell'],
    ]) {
      const res = await evochora([...cmd, '--help']);
      expect(res.exitCode, cmd.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/USAGE/);
      expect(res.stdout).toMatch(/--json/);
    }
  });
});
