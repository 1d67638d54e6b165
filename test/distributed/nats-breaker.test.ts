/**
 * The circuit breaker around JetStream publishes, against a real nats-server that is killed and started again:
 * while NATS is gone the queue reports itself unhealthy with the breaker open (so `pipeline status` shows
 * DEGRADED) and stops piling publishes onto it; when the server is back the waiting put goes through, the breaker
 * closes by itself and nothing is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkMessage } from '../../src/pipeline/contracts/index.js';
import type { QueueConsumer, QueueProducer } from '../../src/pipeline/api/queue.js';
import { JetStreamQueue } from '../../src/pipeline/resources/nats/jetstream-queue.js';
import { isNatsOutage } from '../../src/pipeline/resources/nats/jetstream-resource.js';
import { startNatsCluster, type NatsCluster } from './harness/nats.js';
import { stopAllStarted, waitFor } from './harness/proc.js';

const logger = pino({ level: process.env.EVO_TEST_LOG ?? 'silent' });
let dir: string;
let cluster: NatsCluster;
let queue: JetStreamQueue<ChunkMessage> | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-nats-breaker-'));
  cluster = await startNatsCluster(join(dir, 'nats'), 1);
});

afterAll(async () => {
  await queue?.close().catch(() => undefined);
  await cluster?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

const chunk = (i: number): ChunkMessage => ({
  simulationRunId: 'run-1',
  firstTick: i * 10,
  lastTick: i * 10 + 9,
  tickCount: 10,
  data: new Uint8Array(32).fill(i),
});

describe('the NATS circuit breaker', () => {
  it('tells outages from refusals', () => {
    expect(isNatsOutage(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe(true);
    expect(isNatsOutage(new Error('no responders available for request'))).toBe(true);
    expect(isNatsOutage(new Error('maximum messages exceeded'))).toBe(false);
    expect(isNatsOutage(new Error('wrong last msg ID: abc'))).toBe(false);
  });

  it('opens while the server is gone (unhealthy, DEGRADED) and closes by itself when it is back; nothing is lost', async () => {
    queue = await JetStreamQueue.create<ChunkMessage>(
      'breaker-queue',
      {
        servers: cluster.servers,
        stream: 'BREAKER',
        subject: 'test.breaker',
        consumer: 'BREAKER_workers',
        replicas: 1,
        storage: 'file',
        maxMessages: 1000,
        maxBytes: 16 * 1024 * 1024,
        ackWaitMs: 30_000,
        maxDeliver: -1,
        exclusiveFetch: true,
        compression: 'zstd',
        compressionLevel: 1,
        connectTimeoutMs: 20_000,
        publishTimeoutMs: 300,
        ackTimeoutMs: 20_000,
        duplicateWindowMs: 120_000,
      },
      logger,
    );
    const bind = (usageType: 'queue-out' | 'queue-in'): unknown =>
      queue!.bind({ serviceName: 's', portName: 'p', usageType, resourceName: 'q', parameters: {} }).port;
    const producer = bind('queue-out') as QueueProducer<ChunkMessage>;
    const consumer = bind('queue-in') as QueueConsumer<ChunkMessage>;
    await producer.put(chunk(0));
    expect(queue.healthy()).toBe(true);
    expect(queue.metrics()).toMatchObject({ circuit_state: 0, nats_connected: 1 });

    await cluster.kill('n1');
    const waiting = producer.put(chunk(1)); // retried until the server is back
    await waitFor('the breaker to open', () => queue!.metrics().circuit_opens_total! >= 1, 30_000);
    expect(queue.healthy()).toBe(false);
    expect(queue.metrics().nats_connected).toBe(0);
    // The put keeps retrying; while the breaker is open its publishes are not sent at all.
    await waitFor(
      'a publish held back by the open breaker',
      () => queue!.metrics().circuit_rejected_total! > 0,
      30_000,
    );

    await cluster.restart('n1');
    await waiting;
    await waitFor('the queue to be healthy again', () => queue!.healthy(), 30_000);
    expect(queue.metrics()).toMatchObject({ circuit_state: 0, nats_connected: 1 });
    expect(queue.metrics().nats_reconnects_total).toBeGreaterThanOrEqual(1);

    const got: number[] = [];
    await waitFor(
      'both chunks to be received',
      async () => {
        const batch = await consumer.receiveBatch(10, 200);
        for (const m of batch) got.push(m.firstTick);
        await consumer.commit?.(batch);
        return got.length >= 2;
      },
      30_000,
    );
    expect(got.sort((a, b) => a - b)).toEqual([0, 10]);
  }, 90_000);
});
