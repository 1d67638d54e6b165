/**
 * JetStreamQueue against a real 3-node nats-server cluster (started by the harness): round trip, competing
 * consumers with consecutive batches, redelivery of unacknowledged messages, backpressure from a bounded
 * stream, and a stream leader killed mid-run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkMessage } from '../../src/pipeline/contracts/index.js';
import type { QueueConsumer, QueueProducer } from '../../src/pipeline/api/queue.js';
import { JetStreamQueue, type JetStreamQueueOptions } from '../../src/pipeline/resources/nats/jetstream-queue.js';
import { redeliveryCount } from '../../src/pipeline/api/delivery-marks.js';
import { startNatsCluster, type NatsCluster } from './harness/nats.js';
import { stopAllStarted, waitFor } from './harness/proc.js';

const logger = pino({ level: process.env.EVO_TEST_LOG ?? 'silent' });
let dir: string;
let cluster: NatsCluster;
const opened: JetStreamQueue<ChunkMessage>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-jsq-'));
  cluster = await startNatsCluster(join(dir, 'nats'), 3);
});

afterAll(async () => {
  for (const q of opened) await q.close().catch(() => undefined);
  await cluster?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

let streamCounter = 0;
function opts(over: Partial<JetStreamQueueOptions> = {}): JetStreamQueueOptions {
  const n = ++streamCounter;
  return {
    servers: cluster.servers,
    stream: `TEST_${n}`,
    subject: `test.q${n}`,
    consumer: `TEST_${n}_workers`,
    replicas: 3,
    storage: 'file',
    maxMessages: 10_000,
    maxBytes: 256 * 1024 * 1024,
    ackWaitMs: 30_000,
    maxDeliver: -1,
    exclusiveFetch: true,
    compression: 'zstd',
    compressionLevel: 1,
    connectTimeoutMs: 20_000,
    publishTimeoutMs: 2000,
    ackTimeoutMs: 20_000,
    duplicateWindowMs: 120_000,
    ...over,
  };
}

/** A separate connection per call: each stands for one process. */
async function open(o: JetStreamQueueOptions): Promise<JetStreamQueue<ChunkMessage>> {
  const q = await JetStreamQueue.create<ChunkMessage>('test-queue', o, logger);
  opened.push(q);
  return q;
}

function producer(q: JetStreamQueue<ChunkMessage>): QueueProducer<ChunkMessage> {
  return q.bind({ serviceName: 'p', portName: 'out', usageType: 'queue-out', resourceName: 'q', parameters: {} })
    .port as QueueProducer<ChunkMessage>;
}

function consumer(
  q: JetStreamQueue<ChunkMessage>,
  parameters: Record<string, string> = {},
): QueueConsumer<ChunkMessage> {
  return q.bind({ serviceName: 'c', portName: 'in', usageType: 'queue-in', resourceName: 'q', parameters })
    .port as QueueConsumer<ChunkMessage>;
}

function chunk(i: number, size = 64): ChunkMessage {
  const data = new Uint8Array(size);
  for (let k = 0; k < size; k++) data[k] = (i * 31 + k) & 0xff;
  return { simulationRunId: 'run-1', firstTick: i * 10, lastTick: i * 10 + 9, tickCount: 10, data };
}

const index = (c: ChunkMessage): number => c.firstTick / 10;

describe('JetStreamQueue on a 3-node cluster', () => {
  it('round trip: what a producer puts a consumer receives unchanged, and acked messages leave the stream', async () => {
    const o = opts({ singleProducer: true });
    const q = await open(o);
    const out = producer(q);
    const sent = [chunk(0, 10), chunk(1, 5000), chunk(2, 100_000)];
    for (const c of sent) await out.put(c);
    const input = consumer(q);
    const got: ChunkMessage[] = [];
    while (got.length < 3) {
      const batch = await input.receiveBatch(10, 2000);
      got.push(...batch);
      await input.commit!(batch);
    }
    expect(got.map((c) => ({ ...c, data: Buffer.from(c.data).toString('hex') }))).toEqual(
      sent.map((c) => ({ ...c, data: Buffer.from(c.data).toString('hex') })),
    );
    await waitFor(
      'the stream to be empty after acks',
      async () => (await q['jsm'].streams.info(o.stream)).state.messages === 0,
      10_000,
    );
    // Chained publishes (single producer) are accepted as they are, without falling back.
    expect(q.metrics().publish_chain_resets).toBe(0);
  });

  it('competing consumers in separate connections: every message once, batches are consecutive runs, work is shared', async () => {
    const o = opts();
    const prodQ = await open(o);
    const out = producer(prodQ);
    const consumers = [consumer(await open(o)), consumer(await open(o))];
    const N = 400;
    const seen: number[][] = [[], []];
    let done = false;
    const producing = (async () => {
      for (let i = 0; i < N; i++) await out.put(chunk(i));
    })();
    const loops = consumers.map(async (input, k) => {
      while (!done) {
        const batch = await input.receiveBatch(8, 500);
        if (batch.length === 0) continue;
        const idx = batch.map(index);
        for (let j = 1; j < idx.length; j++) expect(idx[j]).toBe(idx[j - 1]! + 1);
        seen[k]!.push(...idx);
        await new Promise((r) => setTimeout(r, 2)); // "writing"
        await input.commit!(batch);
      }
    });
    await producing;
    await waitFor('all messages consumed', () => seen[0]!.length + seen[1]!.length >= N, 60_000);
    done = true;
    await Promise.all(loops);
    const all = [...seen[0]!, ...seen[1]!].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(seen[0]!.length).toBeGreaterThan(0);
    expect(seen[1]!.length).toBeGreaterThan(0);
  });

  it('a batch received but never acknowledged (its process died) is redelivered to another consumer, marked', async () => {
    const o = opts({ ackWaitMs: 1500 });
    const a = await open(o);
    const b = await open(o);
    const out = producer(a);
    for (let i = 0; i < 6; i++) await out.put(chunk(i));
    const batchA = await consumer(a).receiveBatch(6, 2000);
    expect(batchA.map(index)).toEqual([0, 1, 2, 3, 4, 5]);
    // "kill" a: the connection goes away without acks or progress signals.
    await a.nc.close();
    const inputB = consumer(b);
    const got: ChunkMessage[] = [];
    const t0 = Date.now();
    while (got.length < 6 && Date.now() - t0 < 20_000) {
      const batch = await inputB.receiveBatch(6, 1000);
      got.push(...batch);
      await inputB.commit!(batch);
    }
    expect(got.map(index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got.every((c) => redeliveryCount(c) >= 1)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it('gathers a full batch within the timeout from a producer that puts one chunk at a time', async () => {
    const o = opts();
    const q = await open(o);
    const out = producer(q);
    const input = consumer(q);
    const batch = input.receiveBatch(4, 10_000);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await out.put(chunk(i));
    }
    const got = await batch;
    expect(got.map(index)).toEqual([0, 1, 2, 3]);
    await input.commit!(got);
    // Nothing more arrives: the wait ends at the timeout with an empty batch.
    expect(await input.receiveBatch(4, 300)).toHaveLength(0);
  });

  it('a consumer that keeps a batch longer than ackWait keeps it (progress signals): no redelivery', async () => {
    const o = opts({ ackWaitMs: 1000 });
    const a = await open(o);
    const b = await open(o);
    await producer(a).put(chunk(0));
    const inA = consumer(a);
    const batch = await inA.receiveBatch(1, 2000);
    expect(batch).toHaveLength(1);
    const other = await consumer(b).receiveBatch(1, 3000); // 3 × ackWait
    expect(other).toHaveLength(0);
    await inA.commit!(batch);
  });

  it('only commit acknowledges (a concurrent writer may receive ahead); ?autoCommit=true acknowledges on the next receive', async () => {
    const o = opts();
    const q = await open(o);
    const out = producer(q);
    await out.put(chunk(0));
    await out.put(chunk(1));
    const stored = async (): Promise<number> => (await q['jsm'].streams.info(o.stream)).state.messages;
    const explicit = consumer(q);
    const first = await explicit.receiveBatch(1, 2000);
    const second = await explicit.receiveBatch(1, 2000); // received ahead while the first is still being written
    expect([...first, ...second].map(index)).toEqual([0, 1]);
    expect(await stored()).toBe(2);
    await explicit.commit!(second);
    await explicit.commit!(first);
    await waitFor('both acknowledged', async () => (await stored()) === 0, 10_000);
    await out.put(chunk(2));
    const auto = consumer(q, { autoCommit: 'true' });
    expect((await auto.receiveBatch(1, 2000)).map(index)).toEqual([2]);
    expect(await stored()).toBe(1);
    expect(await auto.receiveBatch(1, 200)).toEqual([]);
    await waitFor('acknowledged by the next receive', async () => (await stored()) === 0, 10_000);
  });

  it('a full stream makes put wait (backpressure) until a consumer acknowledges', async () => {
    const o = opts({ maxMessages: 5 });
    const q = await open(o);
    const out = producer(q);
    for (let i = 0; i < 5; i++) await out.put(chunk(i));
    let sixthDone = false;
    const sixth = out.put(chunk(5)).then(() => (sixthDone = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(sixthDone).toBe(false);
    expect(q.usageState('queue-out')).toBe('WAITING');
    const input = consumer(q);
    const batch = await input.receiveBatch(2, 2000);
    await input.commit!(batch);
    await sixth;
    expect(sixthDone).toBe(true);
    expect(q.metrics().backpressure_waits).toBeGreaterThanOrEqual(1);
  });

  it('killing the stream leader mid-run loses nothing; any second delivery is marked as a redelivery', async () => {
    const o = opts({ ackWaitMs: 5000, singleProducer: true });
    const prodQ = await open(o);
    const out = producer(prodQ);
    const consumers = [consumer(await open(o)), consumer(await open(o))];
    const N = 600;
    const seen: Array<[number, number]> = [];
    let done = false;
    let produced = 0;
    const producing = (async () => {
      for (let i = 0; i < N; i++) {
        await out.put(chunk(i));
        produced++;
      }
    })();
    const loops = consumers.map(async (input) => {
      while (!done) {
        const batch = await input.receiveBatch(8, 500);
        if (batch.length === 0) continue;
        for (const c of batch) seen.push([index(c), redeliveryCount(c)]);
        await input.commit!(batch);
      }
    });
    await waitFor('a third of the messages produced', () => produced >= N / 3, 60_000);
    const leader = await cluster.streamLeader(o.stream);
    expect(leader).toBeDefined();
    await cluster.kill(leader!);
    try {
      await producing;
      await waitFor(
        'every message consumed after the failover',
        () => new Set(seen.map(([i]) => i)).size >= N,
        120_000,
      );
      // Let any late redelivery show up before judging duplicates.
      await new Promise((r) => setTimeout(r, o.ackWaitMs + 1000));
      done = true;
      await Promise.all(loops);
      // The stream holds each message once (publishes are chained and id-deduplicated): every message is
      // delivered, and never twice unmarked. At-least-once delivery may hand a message out again after an ack
      // lost in the election, but then marked, which is what storage checks before writing twice. A delivery
      // lost on its way during the election (no consumer saw it) comes back marked too, so a message may have no
      // unmarked delivery at all; what must never happen is two unmarked ones.
      expect([...new Set(seen.map(([i]) => i))].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
      const unmarked = seen.filter(([, r]) => r === 0).map(([i]) => i);
      expect(unmarked.length).toBe(new Set(unmarked).size);
      expect(unmarked.length).toBeGreaterThan(N * 0.9);
      expect(prodQ.metrics().messages_in).toBe(N);
    } finally {
      done = true;
      await cluster.restart(leader!);
    }
  });
});
