/**
 * JetStreamTopic against a real 3-node nats-server cluster: every consumer group gets every announcement,
 * members of one group compete, an unacked delivery comes back (higher deliveryCount) after its member died,
 * nack redelivers at once, and a group created late still sees the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchInfo } from '../../src/pipeline/contracts/index.js';
import type { TopicReader, TopicWriter } from '../../src/pipeline/api/topic.js';
import { JetStreamTopic, type JetStreamTopicOptions } from '../../src/pipeline/resources/nats/jetstream-topic.js';
import { startNatsCluster, type NatsCluster } from './harness/nats.js';
import { stopAllStarted, waitFor } from './harness/proc.js';

const logger = pino({ level: process.env.EVO_TEST_LOG ?? 'silent' });
let dir: string;
let cluster: NatsCluster;
const opened: JetStreamTopic<BatchInfo>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evo-jst-'));
  cluster = await startNatsCluster(join(dir, 'nats'), 3);
});

afterAll(async () => {
  for (const t of opened) await t.close().catch(() => undefined);
  await cluster?.stop();
  await stopAllStarted();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function opts(over: Partial<JetStreamTopicOptions> = {}): JetStreamTopicOptions {
  n++;
  return {
    servers: cluster.servers,
    stream: `TOPIC_${n}`,
    subject: `test.topic${n}`,
    replicas: 3,
    storage: 'file',
    messageType: 'BatchInfo',
    maxMessages: 100_000,
    maxAgeMs: 0,
    ackTimeoutMs: 30_000,
    connectTimeoutMs: 20_000,
    publishTimeoutMs: 2000,
    ...over,
  };
}

async function open(o: JetStreamTopicOptions): Promise<JetStreamTopic<BatchInfo>> {
  const t = await JetStreamTopic.create<BatchInfo>('batch-topic', o, logger);
  opened.push(t);
  return t;
}

const writer = (t: JetStreamTopic<BatchInfo>): TopicWriter<BatchInfo> =>
  t.bind({ serviceName: 'w', portName: 'topic', usageType: 'topic-write', resourceName: 't', parameters: {} })
    .port as TopicWriter<BatchInfo>;
const reader = (t: JetStreamTopic<BatchInfo>, group: string): TopicReader<BatchInfo> =>
  t.bind({
    serviceName: 'r',
    portName: 'topic',
    usageType: 'topic-read',
    resourceName: 't',
    parameters: { consumerGroup: group },
  }).port as TopicReader<BatchInfo>;

const info = (i: number): BatchInfo =>
  BatchInfo.create({
    simulationRunId: 'run',
    storageKey: `k${i}`,
    tickStart: i * 10,
    tickEnd: i * 10 + 9,
    writtenAtMs: 1000 + i,
    chunkCount: 1,
    tickCount: 10,
    bytes: 123,
  });

async function drain(r: TopicReader<BatchInfo>, want: number, ack = true): Promise<string[]> {
  const keys: string[] = [];
  await waitFor(
    `${want} messages`,
    async () => {
      for (const m of await r.receive(16, 500)) {
        keys.push(m.payload.storageKey);
        if (ack) await r.ack(m);
      }
      return keys.length >= want;
    },
    30_000,
  );
  return keys;
}

describe('JetStreamTopic on a 3-node cluster', () => {
  it('every consumer group gets every message with the same fields; members of one group compete', async () => {
    const o = opts();
    const t = await open(o);
    const w = writer(t);
    for (let i = 0; i < 40; i++) await w.publish(info(i));
    const indexerA = reader(await open(o), 'env-indexer');
    const indexerB = reader(await open(o), 'env-indexer');
    const other = reader(await open(o), 'organism-indexer');
    const first = await other.receive(1, 2000);
    const plain = (b: BatchInfo): unknown => BatchInfo.toObject(b, { defaults: true });
    expect(plain(first[0]!.payload)).toEqual(plain(info(0)));
    expect(first[0]!.deliveryCount).toBe(1);
    expect(first[0]!.consumerGroup).toBe('organism-indexer');
    await other.ack(first[0]!);
    const rest = await drain(other, 39);
    expect(rest).toEqual(Array.from({ length: 39 }, (_, i) => `k${i + 1}`));
    const a: string[] = [];
    const b: string[] = [];
    await waitFor(
      'the group to consume all',
      async () => {
        const [ma, mb] = await Promise.all([indexerA.receive(3, 300), indexerB.receive(3, 300)]);
        for (const m of ma) {
          a.push(m.payload.storageKey);
          await indexerA.ack(m);
        }
        for (const m of mb) {
          b.push(m.payload.storageKey);
          await indexerB.ack(m);
        }
        return a.length + b.length >= 40;
      },
      30_000,
    );
    expect([...a, ...b].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`).sort());
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
  });

  it('a delivery whose member died comes back with a higher deliveryCount; nack redelivers at once', async () => {
    const o = opts({ ackTimeoutMs: 1500 });
    const t = await open(o);
    await writer(t).publish(info(1));
    const dying = await open(o);
    const got = await reader(dying, 'g').receive(1, 2000);
    expect(got).toHaveLength(1);
    await dying.nc.close();
    const survivor = reader(await open(o), 'g');
    const again = await survivor.receive(1, 10_000);
    expect(again[0]!.payload.storageKey).toBe('k1');
    expect(again[0]!.deliveryCount).toBe(2);
    expect(again[0]!.messageId).toBe(got[0]!.messageId);
    await survivor.nack(again[0]!);
    const third = await survivor.receive(1, 5000);
    expect(third[0]!.deliveryCount).toBe(3);
    await survivor.ack(third[0]!);
    expect(await survivor.receive(1, 2000)).toHaveLength(0);
  });
});
