import { describe, expect, it } from 'vitest';
import type { ResourceContext } from '../../../src/pipeline/api/resource.js';
import type { TopicReader, TopicWriter } from '../../../src/pipeline/api/topic.js';
import { InMemoryTopic } from '../../../src/pipeline/resources/topics/in-memory-topic.js';

function ctx(usageType: string, parameters: Record<string, string> = {}, serviceName = 's'): ResourceContext {
  return { serviceName, portName: 'topic', usageType, resourceName: 't', parameters };
}

function setup(ackTimeoutMs = 60_000): {
  topic: InMemoryTopic<number>;
  writer: TopicWriter<number>;
  reader: (group: string) => TopicReader<number>;
} {
  const topic = new InMemoryTopic<number>('t', { ackTimeoutMs, maxRetained: 10_000 });
  const writer = topic.bind(ctx('topic-write')).port as TopicWriter<number>;
  return {
    topic,
    writer,
    reader: (group) => topic.bind(ctx('topic-read', { consumerGroup: group })).port as TopicReader<number>,
  };
}

describe('InMemoryTopic', () => {
  it('gives every consumer group every message, in publish order', async () => {
    const { writer, reader } = setup();
    const a = reader('environment');
    const b = reader('organism');
    for (let i = 0; i < 5; i++) await writer.publish(i);
    expect((await a.receive(10, 0)).map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
    expect((await b.receive(10, 0)).map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
  });

  it('lets members of one group compete: each message goes to one member', async () => {
    const { writer, reader } = setup();
    const m1 = reader('g');
    const m2 = reader('g');
    for (let i = 0; i < 6; i++) await writer.publish(i);
    const got1 = await m1.receive(3, 0);
    const got2 = await m2.receive(10, 0);
    expect([...got1, ...got2].map((m) => m.payload).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got1.map((m) => m.payload)).toEqual([0, 1, 2]);
  });

  it('redelivers an unacked message after the ack timeout, with a higher delivery count', async () => {
    const { writer, reader } = setup(30);
    const r = reader('g');
    await writer.publish(7);
    const [first] = await r.receive(1, 0);
    expect(first!.deliveryCount).toBe(1);
    expect(await r.receive(1, 0)).toEqual([]);
    const again = await r.receive(1, 2000);
    expect(again.map((m) => [m.payload, m.deliveryCount, m.messageId])).toEqual([[7, 2, first!.messageId]]);
    await r.ack(again[0]!);
    expect(await r.receive(1, 60)).toEqual([]);
  });

  it('does not redeliver acked messages; nack redelivers at once', async () => {
    const { topic, writer, reader } = setup(30);
    const r = reader('g');
    await writer.publish(1);
    await writer.publish(2);
    const [a, b] = await r.receive(2, 0);
    await r.ack(a!);
    await r.nack(b!);
    const again = await r.receive(5, 0);
    expect(again.map((m) => [m.payload, m.deliveryCount])).toEqual([[2, 2]]);
    await r.ack(again[0]!);
    expect(topic.backlog('g')).toBe(0);
  });

  it('wakes a waiting reader on publish and returns [] on timeout or abort', async () => {
    const { writer, reader } = setup();
    const r = reader('g');
    expect(await r.receive(1, 10)).toEqual([]);
    const pending = r.receive(1, 5000);
    await writer.publish(42);
    expect((await pending).map((m) => m.payload)).toEqual([42]);
    const ac = new AbortController();
    const aborted = r.receive(1, 60_000, ac.signal);
    ac.abort();
    expect(await aborted).toEqual([]);
  });

  it('replays the retained history to a group that joins late', async () => {
    const { writer, reader } = setup();
    await writer.publish(1);
    await writer.publish(2);
    expect((await reader('late').receive(10, 0)).map((m) => m.payload)).toEqual([1, 2]);
  });

  it('keeps memory bounded: what every group has taken leaves the log', async () => {
    const { topic, writer, reader } = setup();
    const a = reader('a');
    const b = reader('b');
    for (let i = 0; i < 5000; i++) {
      await writer.publish(i);
      for (const r of [a, b]) for (const m of await r.receive(10, 0)) await r.ack(m);
    }
    expect(topic.metrics().messages_retained).toBeLessThan(1100);
    // A lagging group holds what it has not taken yet, in order.
    for (let i = 0; i < 3000; i++) await writer.publish(i);
    for (const m of await a.receive(3000, 0)) await a.ack(m);
    const got = await b.receive(3000, 0);
    expect(got.map((m) => m.payload)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('refuses a reader binding without a consumer group and unknown usages', () => {
    const { topic } = setup();
    expect(() => topic.bind(ctx('topic-read'))).toThrow(/without a consumer group/);
    expect(() => topic.bind(ctx('queue-in'))).toThrow(/cannot be bound/);
  });

  it('reports backlog per group in its metrics', async () => {
    const { topic, writer, reader } = setup();
    reader('g');
    await writer.publish(1);
    expect(topic.metrics()).toMatchObject({ messages_published: 1, group_g_backlog: 1 });
  });

  it('retains only what some group has not taken: acked messages leave memory however long a run lasts', async () => {
    const { topic, writer, reader } = setup();
    const a = reader('environment');
    const b = reader('organism');
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) await writer.publish(round * 20 + i);
      for (const r of [a, b]) for (const m of await r.receive(100, 0)) await r.ack(m);
      expect(topic.metrics().messages_retained).toBe(0);
    }
    expect(topic.metrics().messages_published).toBe(1000);
    // The slowest group decides: b has taken nothing of these 30.
    for (let i = 0; i < 30; i++) await writer.publish(i);
    await a.receive(100, 0);
    expect(topic.metrics().messages_retained).toBe(30);
    expect((await b.receive(100, 0)).map((m) => m.payload)).toHaveLength(30);
    expect(topic.metrics().messages_retained).toBe(0);
  });

  it('drops the oldest messages beyond maxRetained even for a group that has not taken them, and counts them', async () => {
    const topic = new InMemoryTopic<number>('t', { ackTimeoutMs: 60_000, maxRetained: 10 });
    const writer = topic.bind(ctx('topic-write')).port as TopicWriter<number>;
    const slow = topic.bind(ctx('topic-read', { consumerGroup: 'slow' })).port as TopicReader<number>;
    for (let i = 0; i < 25; i++) await writer.publish(i);
    expect(topic.metrics().messages_retained).toBe(10);
    expect(topic.metrics().group_slow_dropped).toBe(15);
    expect(topic.errors()[0]?.code).toBe('TOPIC_MESSAGES_DROPPED');
    expect((await slow.receive(100, 0)).map((m) => m.payload)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('backpressure: a publish waits while a consuming group is more than maxGroupBacklog behind', async () => {
    const topic = new InMemoryTopic<number>('t', {
      ackTimeoutMs: 60_000,
      maxRetained: 10_000,
      maxGroupBacklog: 2,
      maxPublishWaitMs: 5_000,
    });
    const writer = topic.bind(ctx('topic-write')).port as TopicWriter<number>;
    const slow = topic.bind(ctx('topic-read', { consumerGroup: 'slow' })).port as TopicReader<number>;
    await slow.receive(1, 0); // the group is consuming
    for (let i = 0; i < 2; i++) await writer.publish(i);
    let done = false;
    const third = writer.publish(2).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false); // 3 unacknowledged > 2: the publisher waits
    for (const m of await slow.receive(1, 0)) await slow.ack(m);
    await third;
    expect(done).toBe(true);
    expect(topic.metrics().publish_waits).toBe(1);
  });

  it('backpressure: a group that stopped consuming holds nobody back, and a wait gives up after maxPublishWaitMs', async () => {
    const topic = new InMemoryTopic<number>('t', {
      ackTimeoutMs: 60_000,
      maxRetained: 10_000,
      maxGroupBacklog: 1,
      maxPublishWaitMs: 100,
    });
    const writer = topic.bind(ctx('topic-write')).port as TopicWriter<number>;
    // A group that never asked for messages (a paused indexer) is not waited for.
    topic.bind(ctx('topic-read', { consumerGroup: 'paused' }));
    const started = Date.now();
    for (let i = 0; i < 5; i++) await writer.publish(i);
    expect(Date.now() - started).toBeLessThan(100);
    // An active group that does not ack: each publish over the bound waits up to 100 ms, then goes on.
    const stuck = topic.bind(ctx('topic-read', { consumerGroup: 'stuck' })).port as TopicReader<number>;
    await stuck.receive(1, 0);
    const t = Date.now();
    await writer.publish(5);
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
    expect(topic.metrics().publish_waits_timed_out).toBe(1);
  });
});
