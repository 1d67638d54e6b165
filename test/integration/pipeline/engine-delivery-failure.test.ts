import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueProducer } from '../../../src/pipeline/api/queue.js';
import type { Resource } from '../../../src/pipeline/api/resource.js';
import { defaultRegistry } from '../../../src/pipeline/registry.js';
import { ServiceManager } from '../../../src/pipeline/service-manager.js';
import { pipelineConfig, quietLogger, waitUntil } from './helpers.js';

/** A queue whose broker is gone: every put fails, the way a timed-out network put does. */
function brokenQueue(name: string): Resource {
  const port: QueueProducer<unknown> = {
    put: async () => {
      throw new Error('broker unavailable');
    },
    offer: () => false,
  };
  return {
    name,
    type: 'BrokenQueue',
    usageTypes: ['queue-out'],
    bind: (context) => ({ context, port }),
    usageState: () => 'FAILED',
    metrics: () => ({}),
    errors: () => [],
    healthy: () => false,
  };
}

describe('SimulationEngine when its chunks cannot be delivered', () => {
  it('stops the simulation and goes to ERROR with the reason, without crashing the process', async () => {
    const registry = defaultRegistry().registerResource({
      className: 'BrokenQueue',
      description: 'test double',
      options: { kind: 'object', doc: '', fields: {} },
      create: ({ name }) => brokenQueue(name),
    });
    const config = pipelineConfig(
      mkdtempSync(join(tmpdir(), 'evo-engine-fail-')),
      { 'tick-queue': { className: 'BrokenQueue', options: {} } },
      {
        'simulation-engine': {
          className: 'SimulationEngine',
          resources: { tickData: 'queue-out:tick-queue' },
          options: {
            environment: { shape: [32, 32], topology: 'TORUS' },
            organisms: [{ program: 'builtin:counter', energy: 5000, positions: [[3, 3]] }],
            accumulatedDeltaInterval: 2,
            snapshotInterval: 2,
          },
        },
      },
      ['simulation-engine'],
    );
    const manager = await ServiceManager.create({ config, registry, logger: quietLogger });
    manager.start('simulation-engine');
    await waitUntil(() => manager.stateOf('simulation-engine') === 'ERROR', 30_000, 'the engine to fail');
    const status = manager.serviceStatus('simulation-engine');
    expect(status.errors.map((e) => e.message).join(' ')).toMatch(
      /could not put chunk \d+\.\.\d+ on the tick queue: broker unavailable/,
    );
    expect(manager.status().status).toBe('DEGRADED');
    await manager.shutdown();
  });
});
