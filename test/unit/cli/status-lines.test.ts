import { describe, expect, it } from 'vitest';
import { serviceLines } from '../../../src/cli/status-queries.js';
import type { ServiceStatus } from '../../../src/pipeline/service-manager.js';

function engine(metrics: Record<string, number>): ServiceStatus {
  return {
    name: 'simulation-engine',
    state: 'RUNNING',
    healthy: true,
    metrics,
    errors: [],
    resourceBindings: [],
  } as unknown as ServiceStatus;
}

describe('pipeline status lines', () => {
  it('say when a service has waited seconds for room on its output queue', () => {
    const lines = serviceLines(engine({ ticks_per_sec: 0, queue_blocked_ms: 35_400 }));
    expect(lines[0]).toContain('queue_blocked_ms=35400');
    expect(lines[1]).toBe(
      '      waiting 35 s for room on its output queue: are the consumers (persistence) running and the broker reachable?',
    );
  });

  it('stay quiet about short waits, which are ordinary backpressure', () => {
    expect(serviceLines(engine({ queue_blocked_ms: 800 }))).toHaveLength(1);
    expect(serviceLines(engine({}))).toHaveLength(1);
  });
});
