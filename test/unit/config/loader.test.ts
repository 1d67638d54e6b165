import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/loader.js';
import { CONFIG_SCHEMA, leafPaths } from '../../../src/config/config-schema.js';
import { defaultsOf } from '../../../src/config/validate.js';

const DUMMY_PIPELINE = resolve(__dirname, '../../fixtures/dummy-pipeline.conf');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'evo-config-'));
}

function configIn(text: string): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'test.conf');
  writeFileSync(file, text);
  return { dir, file };
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map(
      (i) => `${i.path}|${i.position ? `${i.position.line}` : (i.origin ?? '')}|${i.expected}`,
    );
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig precedence', () => {
  it('uses built-in defaults without a file', () => {
    const dir = tempDir();
    const { config, file } = loadConfig({ cwd: dir, env: {} });
    expect(file).toBeUndefined();
    expect(config.node.port).toBe(8081);
    expect(config.node.host).toBe('127.0.0.1');
    expect(config.node.dataDir).toBe(resolve(dir, 'data'));
  });

  it('reads ./config/evochora.conf by default, -c when given', () => {
    const { dir } = configIn('');
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'evochora.conf'), 'node.port = 9001');
    expect(loadConfig({ cwd: dir, env: {} }).config.node.port).toBe(9001);
    writeFileSync(join(dir, 'other.conf'), 'node.port = 9002');
    expect(loadConfig({ cwd: dir, env: {}, configFile: 'other.conf' }).config.node.port).toBe(9002);
  });

  it('orders defaults < file < --set < environment', () => {
    const { dir, file } = configIn('node { port = 1000, host = "0.0.0.0" }\nlogging.level = warn\n');
    const base = { cwd: dir, configFile: file };
    expect(loadConfig({ ...base, env: {} }).config.node.port).toBe(1000);
    expect(loadConfig({ ...base, env: {}, overrides: ['node.port=2000'] }).config.node.port).toBe(2000);
    const all = loadConfig({ ...base, env: { EVOCHORA_NODE_PORT: '3000' }, overrides: ['node.port=2000'] }).config;
    expect(all.node.port).toBe(3000);
    expect(all.node.host).toBe('0.0.0.0');
    expect(all.logging.level).toBe('warn');
  });

  it('maps any path through EVOCHORA__a__b and camelCase keys through SNAKE_CASE', () => {
    const dir = tempDir();
    const { config } = loadConfig({
      cwd: dir,
      configFile: DUMMY_PIPELINE,
      env: {
        EVOCHORA_NODE_DATA_DIR: '/srv/evo',
        'EVOCHORA__pipeline__services__dummy-producer__options__intervalMs': '7',
        EVOCHORA_PIPELINE_AUTO_START: 'false',
      },
    });
    expect(config.node.dataDir).toBe('/srv/evo');
    expect(config.pipeline.services['dummy-producer']!.options.intervalMs).toBe('7');
    expect(config.pipeline.autoStart).toBe(false);
  });

  it('lets a file replace the default pipeline entirely', () => {
    const { dir, file } = configIn(`pipeline {
      startupSequence = [c]
      resources { q { className = InMemoryQueue } }
      services { c { className = "TestSupport.DummyConsumer", resources { input = "queue-in:q" } } }
    }`);
    const { config } = loadConfig({ cwd: dir, configFile: file, env: {} });
    expect(Object.keys(config.pipeline.services)).toEqual(['c']);
    expect(Object.keys(config.pipeline.resources)).toEqual(['q']);
  });

  it('lets a file adjust one option of a default service without replacing the pipeline', () => {
    const { dir, file } = configIn('pipeline.services.simulation-engine.options.environment.shape = [-512, 512]\n');
    const { config } = loadConfig({ cwd: dir, configFile: file, env: {} });
    expect(Object.keys(config.pipeline.services)).toContain('persistence-service-1');
    const engine = config.pipeline.services['simulation-engine']!;
    expect(engine.className).toBe('SimulationEngine');
    expect(engine.resources.tickData).toBe('queue-out:tick-queue');
    expect((engine.options as { environment: { shape: number[] } }).environment.shape).toEqual([-512, 512]);
  });

  it('names a service a file defines without className as a configuration problem, not a crash', () => {
    const { dir, file } = configIn(`pipeline {
      startupSequence = [c]
      resources { q { className = InMemoryQueue } }
      services { c { resources { input = "queue-in:q" } } }
    }`);
    expect(issuesOf(() => loadConfig({ cwd: dir, configFile: file, env: {} }))).toEqual([
      expect.stringMatching(/^pipeline\.services\.c\.className\|4\|a non-empty string \(required/),
    ]);
  });

  it('parses list values from flags and env', () => {
    const dir = tempDir();
    expect(
      loadConfig({
        cwd: dir,
        configFile: DUMMY_PIPELINE,
        env: {},
        overrides: ['pipeline.startupSequence=[dummy-producer]'],
      }).config.pipeline.startupSequence,
    ).toEqual(['dummy-producer']);
    expect(
      loadConfig({
        cwd: dir,
        configFile: DUMMY_PIPELINE,
        env: { EVOCHORA_PIPELINE_STARTUP_SEQUENCE: 'dummy-consumer,dummy-producer' },
      }).config.pipeline.startupSequence,
    ).toEqual(['dummy-consumer', 'dummy-producer']);
  });
});

describe('loadConfig validation', () => {
  it('names the file and line of a wrong type, an unknown key (with a suggestion) and an out-of-range value, all at once', () => {
    const { dir, file } = configIn(
      'node {\n  port = "abc"\n  prot = 5\n}\nnode.stopTimeoutMs = 5\nlogging.level = loud\n',
    );
    const issues = issuesOf(() => loadConfig({ cwd: dir, configFile: file, env: {} }));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^node\.port\|2\|an integer from 0 to 65535$/),
        expect.stringMatching(/^node\.prot\|3\|.*did you mean 'port'/),
        expect.stringMatching(/^node\.stopTimeoutMs\|5\|an integer from 100/),
        expect.stringMatching(/^logging\.level\|6\|one of "trace"/),
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('puts file:line, key, value and expectation in the message', () => {
    const { dir, file } = configIn('node.port = 70000\n');
    expect(() => loadConfig({ cwd: dir, configFile: file, env: {} })).toThrow(
      `${file}:1:1: node.port = 70000: expected an integer from 0 to 65535`,
    );
  });

  it('names the environment variable and the flag that were wrong', () => {
    const dir = tempDir();
    const issues = issuesOf(() =>
      loadConfig({
        cwd: dir,
        env: { EVOCHORA_NODE_PORT: 'x', EVOCHORA_BOGUS: '1' },
        overrides: ['node.host=', 'nonsense'],
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'node.port|environment EVOCHORA_NODE_PORT|an integer from 0 to 65535',
        expect.stringMatching(/^EVOCHORA_BOGUS\|environment\|a known variable/),
        'node.host|command line (--set)|a non-empty string',
        expect.stringMatching(/^nonsense\|command line\|key=value/),
      ]),
    );
  });

  it('rejects a startup sequence naming an unknown service and a binding to an unknown resource', () => {
    const dir = tempDir();
    const issues = issuesOf(() =>
      loadConfig({
        cwd: dir,
        configFile: DUMMY_PIPELINE,
        env: {},
        overrides: [
          'pipeline.startupSequence=[ghost]',
          'pipeline.services.dummy-consumer.resources.input=queue-in:nowhere',
        ],
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^pipeline\.startupSequence\.0\|command line \(--set\)\|the name of a configured service/,
        ),
        expect.stringMatching(
          /^pipeline\.services\.dummy-consumer\.resources\.input\|command line \(--set\)\|a binding to a configured resource/,
        ),
      ]),
    );
  });

  it('fails on a missing explicit file and on syntax errors', () => {
    const dir = tempDir();
    expect(() => loadConfig({ cwd: dir, configFile: 'nope.conf', env: {} })).toThrow(
      /Cannot read config file .*nope.conf: no such file/,
    );
    const { file } = configIn('node { port = 1');
    expect(() => loadConfig({ cwd: dir, configFile: file, env: {} })).toThrow(/test.conf:1:16: missing '}'/);
    // A syntax error is a usage error like any other configuration problem (exit 2, as the README says).
    expect(() => loadConfig({ cwd: dir, configFile: file, env: {} })).toThrow(
      expect.objectContaining({ code: 'CONFIG_SYNTAX', exitCode: 2 }),
    );
  });
});

describe('the shipped config file', () => {
  it('documents every key with exactly the built-in default', () => {
    const file = resolve(__dirname, '../../../config/evochora.conf');
    const text = readFileSync(file, 'utf8');
    for (const [path] of leafPaths())
      expect(text, `config/evochora.conf must document ${path}`).toContain(path.split('.').pop()!);
    const fromFile = loadConfig({ configFile: file, env: {}, cwd: tempDir() }).config;
    const defaults = loadConfig({ env: {}, cwd: tempDir() }).config;
    expect({ ...fromFile, node: { ...fromFile.node, dataDir: '' } }).toEqual({
      ...defaults,
      node: { ...defaults.node, dataDir: '' },
    });
    expect(defaultsOf(CONFIG_SCHEMA)).toBeTruthy();
  });
});
