import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manager, recordingConfig, waitUntil } from './helpers.js';

/** The tick queue holds one chunk and nobody consumes it: every further chunk waits for room. */
async function blockedEngine(serviceStopTimeoutMs: number) {
  const config = recordingConfig(mkdtempSync(join(tmpdir(), 'evo-engine-blocked-')), {
    consumers: 0,
    queueCapacity: 1,
  });
  config.pipeline.serviceStopTimeoutMs = serviceStopTimeoutMs;
  const m = await manager(config);
  m.start('metadata-persistence');
  m.start('simulation-engine');
  const blockedMs = (): number => Number(m.serviceStatus('simulation-engine').metrics.queue_blocked_ms ?? 0);
  await waitUntil(() => blockedMs() > 0, 30_000, 'the engine to wait for room on the queue');
  return { m, blockedMs };
}

describe('SimulationEngine under backpressure', () => {
  it('waits for room on a full queue as long as it takes, and shows how long in its metrics', async () => {
    const { m, blockedMs } = await blockedEngine(2000);
    const tickWhenBlocked = Number(m.serviceStatus('simulation-engine').metrics.current_tick);
    await waitUntil(() => blockedMs() >= 1500, 10_000, 'a long wait');
    expect(m.stateOf('simulation-engine')).toBe('RUNNING');
    expect(m.serviceStatus('simulation-engine').errors).toEqual([]);
    // held by backpressure: the simulation runs at most maxChunksInFlight chunks ahead, then waits
    const tickLater = Number(m.serviceStatus('simulation-engine').metrics.current_tick);
    expect(tickLater - tickWhenBlocked).toBeLessThan(16 * 6 * 2);
    await m.shutdown();
  });

  it('a stop gives undelivered chunks most of the stop timeout, then stops and names what was not stored', async () => {
    const { m } = await blockedEngine(1000);
    const t0 = Date.now();
    await m.stop('simulation-engine');
    const took = Date.now() - t0;
    expect(took).toBeLessThan(1000);
    expect(m.stateOf('simulation-engine')).toBe('STOPPED');
    const errors = m.serviceStatus('simulation-engine').errors;
    expect(errors.map((e) => e.code)).toEqual(['CHUNK_NOT_DELIVERED']);
    expect(errors[0]!.message).toMatch(
      /could not put chunk \d+\.\.\d+ on the tick queue: the queue had no room within 800 ms of the stop request; .*resume the run/,
    );
    await m.shutdown();
  });
});
