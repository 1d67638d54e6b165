import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../src/pipeline/api/circuit-breaker.js';

const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const notFound = Object.assign(new Error('NoSuchKey'), { code: 'NoSuchKey' });

describe('circuit breaker', () => {
  it('opens after failures in a row, fails fast while open, lets one trial through, and closes on its success', async () => {
    let t = 0;
    let calls = 0;
    const b = new CircuitBreaker("S3 storage 's'", (e) => (e as { code?: string }).code === 'ECONNREFUSED', {
      threshold: 3,
      openMs: 1000,
      now: () => t,
    });
    const failing = (): Promise<never> => {
      calls++;
      return Promise.reject(outage);
    };
    for (let i = 0; i < 3; i++) await expect(b.call(failing)).rejects.toBe(outage);
    expect(b.state).toBe('open');
    // Open: the backend is not called; the error is coded and says when it will be tried again.
    await expect(b.call(failing)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(b.call(failing)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(calls).toBe(3);
    // After the cool-down one trial: it fails, so the breaker opens for twice as long.
    t = 1000;
    expect(b.state).toBe('half-open');
    await expect(b.call(failing)).rejects.toBe(outage);
    expect(calls).toBe(4);
    t = 2500;
    expect(b.state).toBe('open');
    t = 3000;
    expect(await b.call(async () => 'ok')).toBe('ok');
    expect(b.state).toBe('closed');
    expect([b.opensTotal, b.failuresTotal, b.rejectedTotal]).toEqual([2, 4, 2]);
  });

  it('answers that are not outages (a missing key) do not count: the backend is up', async () => {
    const b = new CircuitBreaker('x', (e) => (e as { code?: string }).code === 'ECONNREFUSED', { threshold: 2 });
    await expect(b.call(() => Promise.reject(outage))).rejects.toBe(outage);
    await expect(b.call(() => Promise.reject(notFound))).rejects.toBe(notFound);
    await expect(b.call(() => Promise.reject(outage))).rejects.toBe(outage);
    expect(b.state).toBe('closed');
  });
});
