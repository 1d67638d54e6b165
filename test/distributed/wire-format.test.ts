/**
 * The NATS wire format without servers: queue messages survive encode/decode unchanged (byte payload in the
 * body, compressed when it pays; scalar fields in a header; other shapes as JSON), ack subjects parse in both
 * server formats, and redelivery marks stay invisible to the message's shape.
 */
import { describe, expect, it } from 'vitest';
import { MessageCodec } from '../../src/pipeline/resources/nats/message-codec.js';
import { parseAckSubject } from '../../src/pipeline/resources/nats/jetstream-pull.js';
import { markRedelivered, redeliveryCount } from '../../src/pipeline/api/delivery-marks.js';

describe('NATS wire format', () => {
  it('round-trips chunk messages, compressing large payloads', () => {
    const codec = new MessageCodec('zstd', 1);
    const data = new Uint8Array(10_000).fill(7);
    const msg = { simulationRunId: 'run-1', firstTick: 60, lastTick: 65, tickCount: 6, data };
    const enc = codec.encode(msg);
    expect(enc.body.length).toBeLessThan(200);
    expect(enc.rawBytes).toBe(10_000);
    const back = codec.decode<typeof msg>(enc.body, enc.headers);
    expect({ ...back, data: Buffer.from(back.data).toString('hex') }).toEqual({
      ...msg,
      data: Buffer.from(data).toString('hex'),
    });
  });

  it('leaves small or incompressible payloads uncompressed and still round-trips them', () => {
    const codec = new MessageCodec('zstd', 1);
    const tiny = { simulationRunId: 'r', data: Uint8Array.of(1, 2, 3) };
    const enc = codec.encode(tiny);
    expect(enc.headers.get('Evochora-Encoding')).toBe('');
    expect(Array.from(codec.decode<typeof tiny>(enc.body, enc.headers).data)).toEqual([1, 2, 3]);
    const none = new MessageCodec('none');
    const big = { data: new Uint8Array(5000).fill(1) };
    expect(none.encode(big).body.length).toBe(5000);
  });

  it('sends objects without exactly one byte field as JSON, byte arrays and Buffers included', () => {
    const codec = new MessageCodec('zstd', 1);
    const dead = {
      originalMessage: Buffer.from('abc'),
      other: Uint8Array.of(9),
      metadata: { startTick: '5' },
      retryCount: 2,
    };
    const back = codec.decode<Record<string, unknown>>(codec.encode(dead).body, codec.encode(dead).headers);
    expect(Buffer.from(back.originalMessage as Uint8Array).toString()).toBe('abc');
    expect(Array.from(back.other as Uint8Array)).toEqual([9]);
    expect(back.metadata).toEqual({ startTick: '5' });
    expect(codec.decode(codec.encode('plain').body, codec.encode('plain').headers)).toBe('plain');
  });

  it('parses JetStream ack subjects of old and new servers', () => {
    expect(parseAckSubject('$JS.ACK.S.C.3.1234.77.1700000000000000000.5')).toEqual({
      deliveryCount: 3,
      streamSeq: 1234,
      timestampMs: 1700000000000,
    });
    expect(parseAckSubject('$JS.ACK.hub.acchash.S.C.2.9.8.1700000000000000000.0.token')).toEqual({
      deliveryCount: 2,
      streamSeq: 9,
      timestampMs: 1700000000000,
    });
    expect(parseAckSubject('$JS.ACK.hub.acchash.S.C.2.9.8.1700000000000000000.0')?.streamSeq).toBe(9);
    expect(parseAckSubject('_INBOX.abc')).toBeUndefined();
  });

  it('redelivery marks do not change what a message looks like', () => {
    const m = { simulationRunId: 'r', firstTick: 1 };
    markRedelivered(m, 1);
    expect(redeliveryCount(m)).toBe(0);
    markRedelivered(m, 3);
    expect(redeliveryCount(m)).toBe(2);
    expect(Object.keys(m)).toEqual(['simulationRunId', 'firstTick']);
    expect(JSON.stringify(m)).toBe('{"simulationRunId":"r","firstTick":1}');
  });
});
