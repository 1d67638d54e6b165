/**
 * The live feed's fan-out: one poll for every client, an update only when something changed, and a client
 * whose connection is full skips updates (nothing piles up for it) and gets the newest when it drains.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../../src/visualizer/live-feed.js';
import type { VisualizerService } from '../../../src/visualizer/visualizer-service.js';

/** A response that records writes; `full` makes write() report a full buffer, as a client that does not read. */
class FakeResponse extends EventEmitter {
  readonly written: string[] = [];
  full = false;
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(): void {
    this.emit('close');
  }
  destroy(): void {
    this.emit('close');
  }
  updates(): Array<{ runs: Array<{ runId: string }> }> {
    return this.written.filter((w) => w.startsWith('event: update')).map((w) => JSON.parse(w.split('data: ')[1]!));
  }
}

let feed: LiveFeed | undefined;
afterEach(() => feed?.close());

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LiveFeed', () => {
  it('fans one poll out to every client, sends only changes, and lets a stalled client skip to the newest', async () => {
    let runs = [{ runId: 'a' }];
    let polls = 0;
    const service = {
      listRuns: async () => {
        polls++;
        return runs;
      },
    } as unknown as VisualizerService;
    feed = new LiveFeed(service, () => ({ runId: 'a', tick: 100 }), 10);
    const clients = Array.from({ length: 50 }, () => new FakeResponse());
    for (const c of clients) feed.subscribe(c as unknown as ServerResponse);
    await wait(60);
    // One shared poll every 10 ms, not one per client.
    expect(polls).toBeLessThan(20);
    for (const c of clients) expect(c.updates()).toHaveLength(1);
    const stalled = clients[0]!;
    stalled.full = true;
    runs = [{ runId: 'a' }, { runId: 'b' }];
    await wait(40);
    // The stalled client took the write that filled its buffer; the next changes are skipped for it.
    runs = [{ runId: 'a' }, { runId: 'b' }, { runId: 'c' }];
    await wait(40);
    expect(clients[1]!.updates().map((u) => u.runs.length)).toEqual([1, 2, 3]);
    expect(stalled.updates().map((u) => u.runs.length)).toEqual([1, 2]);
    expect(feed.stats()).toMatchObject({ clients: 50, stalled: 1 });
    expect(feed.stats().updatesSkipped).toBeGreaterThanOrEqual(1);
    const before = stalled.written.length;
    // It drains: it gets the newest update, and only that one.
    stalled.full = false;
    stalled.emit('drain');
    expect(stalled.written.length).toBe(before + 1);
    expect(stalled.updates().at(-1)!.runs).toHaveLength(3);
    // Clients that leave are forgotten; the last one leaving stops the polling.
    for (const c of clients) c.emit('close');
    expect(feed.stats().clients).toBe(0);
    const p = polls;
    await wait(40);
    expect(polls).toBe(p);
  });

  it('carries the engine tick and the index lag', async () => {
    const service = {
      listRuns: async () => [{ runId: 'a', ticks: { minTick: 0, maxTick: 40 } }],
    } as unknown as VisualizerService;
    feed = new LiveFeed(service, () => ({ runId: 'a', tick: 100 }), 10);
    const c = new FakeResponse();
    feed.subscribe(c as unknown as ServerResponse);
    await wait(30);
    expect(c.written[0]).toBe('retry: 2000\n\n');
    expect(JSON.parse(c.written.find((w) => w.startsWith('event: update'))!.split('data: ')[1]!)).toMatchObject({
      engine: { runId: 'a', tick: 100 },
      indexLagTicks: 60,
    });
  });
});
