import { describe, expect, it } from 'vitest';
import { InMemoryQueue } from '../../../src/pipeline/resources/in-memory-queue.js';
import type { QueueConsumer, QueueProducer } from '../../../src/pipeline/api/queue.js';

const ctx = (usageType: string) => ({ serviceName: 's', portName: 'p', usageType, resourceName: 'q', parameters: {} });

describe('InMemoryQueue', () => {
  it('delivers FIFO in batches up to the requested size', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 100, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) expect(q.offer(i, 1)).toBe(true);
    expect(await q.receiveBatch(4, 0)).toEqual([0, 1, 2, 3]);
    expect(await q.receiveBatch(100, 0)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(await q.receiveBatch(100, 0)).toEqual([]);
  });

  it('applies backpressure by count', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 2, maxBytes: 1e9 });
    expect(q.offer(1)).toBe(true);
    expect(q.offer(2)).toBe(true);
    expect(q.offer(3)).toBe(false);
    let done = false;
    const put = q.put(3).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(await q.receiveBatch(1, 0)).toEqual([1]);
    await put;
    expect(done).toBe(true);
    expect(await q.receiveBatch(10, 0)).toEqual([2, 3]);
  });

  it('applies backpressure by bytes, but admits one oversized message into an empty queue', async () => {
    const q = new InMemoryQueue<string>('q', { capacity: 100, maxBytes: 100 });
    expect(q.offer('a', 60)).toBe(true);
    expect(q.offer('b', 60)).toBe(false);
    expect(q.bytes).toBe(60);
    await q.receiveBatch(1, 0);
    expect(q.offer('huge', 500)).toBe(true);
    expect(q.offer('c', 1)).toBe(false);
    expect(q.metrics().current_bytes).toBe(500);
  });

  it('waits for a full batch, and hands over a partial one when the timeout ends the wait', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 10, maxBytes: 1000 });
    let got: number[] | undefined;
    const waiting = q.receiveBatch(3, 5000).then((b) => (got = b));
    q.offer(1);
    q.offer(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBeUndefined(); // two of three: still gathering
    q.offer(3);
    expect(await waiting).toEqual([1, 2, 3]);
    q.offer(4);
    const t0 = Date.now();
    expect(await q.receiveBatch(5, 40)).toEqual([4]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(await q.receiveBatch(5, 30)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
  });

  it('stops gathering when a producer is blocked on a full queue', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 100, maxBytes: 10 });
    expect(q.offer(1, 6)).toBe(true);
    const blocked = q.put(2, 6); // 12 bytes > 10: waits for room
    const t0 = Date.now();
    expect(await q.receiveBatch(10, 5000)).toEqual([1]);
    expect(Date.now() - t0).toBeLessThan(1000);
    await blocked;
    expect(await q.receiveBatch(10, 0)).toEqual([2]);
  });

  it('ends the wait at once when the receive is aborted, with what is there', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 10, maxBytes: 1000 });
    const ac = new AbortController();
    const waiting = q.receiveBatch(5, 60_000, ac.signal);
    ac.abort();
    expect(await waiting).toEqual([]);
    q.offer(7);
    const ac2 = new AbortController();
    const partial = q.receiveBatch(5, 60_000, ac2.signal);
    ac2.abort();
    expect(await partial).toEqual([7]);
  });

  it('ends the wait when the queue is closed', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 10, maxBytes: 1000 });
    q.offer(9);
    const waiting = q.receiveBatch(5, 60_000);
    await q.close();
    expect(await waiting).toEqual([9]);
  });

  it('gives competing consumers consecutive, non-overlapping runs', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 10_000, maxBytes: 1e9 });
    const seen: number[][] = [[], [], []];
    const consumers = seen.map(async (into) => {
      for (;;) {
        const batch = await q.receiveBatch(7, 20);
        if (batch.length === 0) return;
        for (let i = 1; i < batch.length; i++) expect(batch[i]).toBe(batch[i - 1]! + 1);
        into.push(...batch);
      }
    });
    for (let i = 0; i < 1000; i++) await q.put(i);
    await Promise.all(consumers);
    const all = seen.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('hands out monitored producer and consumer bindings and refuses other usages', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 10, maxBytes: 1000 });
    const out = q.bind(ctx('queue-out'));
    const inn = q.bind(ctx('queue-in'));
    await (out.port as QueueProducer<number>).put(1, 10);
    expect(await (inn.port as QueueConsumer<number>).receiveBatch(5, 0)).toEqual([1]);
    expect(out.monitor!.metrics()).toMatchObject({ messages_sent: 1, bytes: 10 });
    expect(inn.monitor!.metrics()).toMatchObject({ messages_consumed: 1 });
    expect(() => q.bind(ctx('storage-write'))).toThrow(/cannot be bound as 'storage-write'/);
    expect(q.usageState('queue-in')).toBe('WAITING');
  });
});
