import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/loader.js';
import { AbstractService, type ServiceContext } from '../../../src/pipeline/api/service.js';
import { defaultRegistry, type ServiceType } from '../../../src/pipeline/registry.js';
import { ServiceManager } from '../../../src/pipeline/service-manager.js';

const logger = pino({ level: 'silent' });

const DUMMY_PIPELINE = join(__dirname, '../../fixtures/dummy-pipeline.conf');

function config(overrides: string[] = []) {
  return loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'evo-sm-')), configFile: DUMMY_PIPELINE, env: {}, overrides })
    .config;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

class FailingService extends AbstractService {
  constructor(ctx: ServiceContext) {
    super(ctx);
  }
  protected async run(): Promise<void> {
    await this.checkPause();
    throw Object.assign(new Error('boom'), { code: 'BOOM' });
  }
}

const failingType: ServiceType = {
  className: 'Failing',
  description: 'fails at once',
  ports: {},
  options: { kind: 'object', doc: '', fields: {} },
  create: (ctx) => new FailingService(ctx),
};

describe('ServiceManager', () => {
  it('runs the default dummy pipeline: start, pause stops the counters, resume continues, stop drains', async () => {
    const manager = await ServiceManager.create({
      config: config(['pipeline.services.dummy-producer.options.intervalMs=1']),
      registry: defaultRegistry(),
      logger,
    });
    await manager.autoStart();
    expect(manager.stateOf('dummy-producer')).toBe('RUNNING');
    const sent = () => manager.serviceStatus('dummy-producer').metrics.messages_sent!;
    const consumed = () => manager.serviceStatus('dummy-consumer').metrics.messages_consumed!;
    await until(() => consumed() >= 5, 'messages to flow');
    expect(manager.status().status).toBe('RUNNING');
    manager.pauseAll();
    expect(manager.status().services.every((s) => s.state === 'PAUSED')).toBe(true);
    // `pipeline pause` must not leave the pipeline saying RUNNING.
    expect(manager.status().status).toBe('PAUSED');
    await new Promise((r) => setTimeout(r, 30));
    const frozen = sent();
    await new Promise((r) => setTimeout(r, 60));
    expect(sent()).toBe(frozen);
    manager.resumeAll();
    expect(manager.status().status).toBe('RUNNING');
    await until(() => sent() > frozen + 3, 'messages after resume');
    await manager.stopAll();
    expect(manager.status().status).toBe('STOPPED');
    expect(consumed()).toBeLessThanOrEqual(sent());
    expect(manager.serviceStatus('dummy-consumer').metrics.out_of_order).toBe(0);
    await manager.shutdown();
  });

  it('reports status with per-binding metrics and resource metrics', async () => {
    const manager = await ServiceManager.create({ config: config(), registry: defaultRegistry(), logger });
    const before = manager.status();
    expect(before.status).toBe('STOPPED');
    expect(before.services.map((s) => [s.name, s.state])).toEqual([
      ['dummy-producer', 'STOPPED'],
      ['dummy-consumer', 'STOPPED'],
    ]);
    await manager.startAll();
    const s = manager.serviceStatus('dummy-producer');
    expect(s.resourceBindings).toEqual([
      expect.objectContaining({ portName: 'output', resourceName: 'demo-queue', usageType: 'queue-out' }),
    ]);
    expect(manager.status().resources[0]).toMatchObject({
      name: 'demo-queue',
      type: 'InMemoryQueue',
      metrics: expect.objectContaining({ capacity: 1000 }),
    });
    expect(manager.status().status).toBe('RUNNING');
    await manager.shutdown();
  });

  it('refuses invalid transitions and unknown services with coded errors', async () => {
    const manager = await ServiceManager.create({ config: config(), registry: defaultRegistry(), logger });
    expect(() => manager.pause('dummy-producer')).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(() => manager.check('resume', 'dummy-producer')).toThrow(/while it is STOPPED/);
    expect(() => manager.start('ghost')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SERVICE' }));
    manager.start('dummy-consumer');
    expect(() => manager.start('dummy-consumer')).toThrow(/Cannot start service 'dummy-consumer' while it is RUNNING/);
    await manager.shutdown();
  });

  it('moves a failing service to ERROR, marks the pipeline DEGRADED, and restarts it fresh', async () => {
    const registry = defaultRegistry().registerService(failingType);
    const cfg = config();
    cfg.pipeline.services.bad = { className: 'Failing', resources: {}, options: {} };
    const manager = await ServiceManager.create({ config: cfg, registry, logger });
    manager.start('bad');
    await until(() => manager.stateOf('bad') === 'ERROR', 'ERROR state');
    const status = manager.status();
    expect(status.status).toBe('DEGRADED');
    expect(status.healthy).toBe(false);
    expect(manager.serviceStatus('bad').errors[0]).toMatchObject({ code: 'BOOM', message: 'boom' });
    await manager.restart('bad');
    expect(manager.serviceStatus('bad').errors).toHaveLength(0);
    await manager.shutdown();
  });

  it('validates class names, options, ports and usages before building anything', async () => {
    const cfg = config();
    cfg.pipeline.resources.q2 = { className: 'NoSuchQueue', options: {} };
    cfg.pipeline.resources['demo-queue']!.options = { capacity: -1, colour: 'blue' };
    cfg.pipeline.services['dummy-producer']!.resources = {
      output: 'queue-in:demo-queue',
      extra: 'queue-out:demo-queue',
    };
    cfg.pipeline.services['dummy-consumer']!.resources = {};
    cfg.pipeline.services['dummy-consumer']!.options = { maxBatchSize: 'many' };
    let error: ConfigError | undefined;
    try {
      await ServiceManager.create({ config: cfg, registry: defaultRegistry(), logger });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = error!.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'pipeline.resources.q2.className',
        'pipeline.resources.demo-queue.options.capacity',
        'pipeline.resources.demo-queue.options.colour',
        'pipeline.services.dummy-producer.resources.output',
        'pipeline.services.dummy-producer.resources.extra',
        'pipeline.services.dummy-consumer.resources.input',
        'pipeline.services.dummy-consumer.options.maxBatchSize',
      ].sort(),
    );
  });

  describe('starts nothing with a bad engine configuration (preflight)', () => {
    const engineConfig = (sets: string[]) =>
      loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'evo-sm-')), env: {}, overrides: sets }).config;
    const problems = async (sets: string[]): Promise<string[]> => {
      try {
        const m = await ServiceManager.create({ config: engineConfig(sets), registry: defaultRegistry(), logger });
        await m.shutdown();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.expected}`);
      }
      return [];
    };
    const E = 'pipeline.services.simulation-engine.options';
    it.each([
      [`${E}.environment.shape=[0,0]`, /environment\.shape: cells per dimension, each ≥ 1/],
      [`${E}.environment.shape=[-512,512]`, /environment\.shape: cells per dimension, each ≥ 1/],
      [`${E}.environment.shape=[100000,100000]`, /environment\.shape: a world of at most 67,108,864 cells/],
      [
        `${E}.organisms=[{program=no-such-file.evo,energy=100,positions=[[1,1]]}]`,
        /organisms: .*'no-such-file\.evo' cannot be read/,
      ],
      [
        `${E}.organisms=[{program=builtin:counter,energy=100,positions=[[1,1,1]]}]`,
        /organisms: .*does not match the world shape/,
      ],
    ])('%s', async (set, expected) => {
      const found = await problems([set]);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    });
    it('accepts the default engine', async () => {
      expect(await problems([])).toEqual([]);
    });
  });
});
