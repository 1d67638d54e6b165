/**
 * How queue and topic messages travel over NATS. Queue messages are plain objects; most carry one byte
 * payload (`data` of a ChunkMessage, `originalMessage` of a dead letter) plus a few scalar fields. The payload
 * becomes the NATS message body, optionally zstd-compressed, and the scalar fields travel as JSON in a header,
 * so a consumer gets back an object equal to what the producer put. Objects without exactly one byte field
 * are sent as JSON (byte arrays inside are base64-tagged). A message's `traceContext` (queue.ts) travels as the
 * `traceparent`/`tracestate` headers and is put back on the decoded object.
 */
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { Compressor, Decompressor } from 'zstd-napi';
import { EvochoraError } from '../../../errors.js';
import { PipelineErrorCode } from '../../error-codes.js';
import type { TracedMessage } from '../../api/queue.js';
import { setTraceHeaders, traceContextOfHeaders } from './trace-headers.js';

export const HDR_FIELDS = 'Evochora-Fields';
export const HDR_BODY_FIELD = 'Evochora-Body-Field';
export const HDR_ENCODING = 'Evochora-Encoding';

export type WireCompression = 'zstd' | 'none';

export interface EncodedWireMessage {
  readonly headers: MsgHdrs;
  readonly body: Uint8Array;
  /** Payload bytes before compression. */
  readonly rawBytes: number;
}

const B64 = '$evochora.b64';
/** Bodies smaller than this are not worth compressing. */
const MIN_COMPRESS = 256;

export class WireCodecError extends EvochoraError {
  constructor(problem: string) {
    super(PipelineErrorCode.WIRE_MESSAGE_INVALID, `A message received from NATS cannot be decoded: ${problem}.`, {
      actions: ['Check that every process of the deployment runs the same Evochora version.'],
    });
  }
}

export class MessageCodec {
  private readonly compressor: Compressor | undefined;
  private readonly decompressor = new Decompressor();

  constructor(
    private readonly compression: WireCompression = 'zstd',
    level = 1,
  ) {
    if (compression === 'zstd') {
      this.compressor = new Compressor();
      this.compressor.setParameters({ compressionLevel: level });
    }
  }

  encode(message: unknown): EncodedWireMessage {
    const h = natsHeaders();
    const traced = message !== null && typeof message === 'object' && 'traceContext' in message;
    if (traced) {
      const { traceContext, ...rest } = message as TracedMessage & Record<string, unknown>;
      setTraceHeaders(h, traceContext);
      message = rest;
    }
    let body: Uint8Array;
    const byteField =
      message !== null && typeof message === 'object' ? singleByteField(message as Record<string, unknown>) : undefined;
    if (byteField !== undefined) {
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(message as Record<string, unknown>)) if (k !== byteField) rest[k] = v;
      h.set(HDR_BODY_FIELD, byteField);
      h.set(HDR_FIELDS, JSON.stringify(rest, replacer));
      body = (message as Record<string, Uint8Array>)[byteField]!;
    } else {
      body = Buffer.from(JSON.stringify(message ?? null, replacer), 'utf8');
    }
    const rawBytes = body.length;
    if (this.compressor && body.length >= MIN_COMPRESS) {
      const packed = this.compressor.compress(body);
      if (packed.length < body.length) {
        body = packed;
        h.set(HDR_ENCODING, 'zstd');
      }
    }
    return { headers: h, body, rawBytes };
  }

  decode<T>(body: Uint8Array, headers: MsgHdrs | undefined): T {
    const message = this.decodeBody<T>(body, headers);
    const traceContext = traceContextOfHeaders(headers);
    if (traceContext !== undefined && message !== null && typeof message === 'object')
      (message as { traceContext?: unknown }).traceContext = traceContext;
    return message;
  }

  private decodeBody<T>(body: Uint8Array, headers: MsgHdrs | undefined): T {
    let payload = body;
    const encoding = headers?.get(HDR_ENCODING) ?? '';
    if (encoding === 'zstd') {
      try {
        payload = this.decompressor.decompress(body);
      } catch (err) {
        throw new WireCodecError(`zstd: ${(err as Error).message}`);
      }
    } else if (encoding !== '') throw new WireCodecError(`unknown encoding '${encoding}'`);
    const field = headers?.get(HDR_BODY_FIELD) ?? '';
    try {
      if (field !== '') {
        const rest = JSON.parse(headers?.get(HDR_FIELDS) || '{}', reviver) as Record<string, unknown>;
        // Copy out of the connection's receive buffer so the message owns its bytes.
        rest[field] = payload === body ? new Uint8Array(payload) : payload;
        return rest as T;
      }
      return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'), reviver) as T;
    } catch (err) {
      throw new WireCodecError((err as Error).message);
    }
  }
}

function singleByteField(o: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof Uint8Array) {
      if (found !== undefined) return undefined;
      found = k;
    }
  }
  return found;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // Buffers have toJSON, which runs before the replacer: look at the original value.
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) value = original;
  if (value instanceof Uint8Array)
    return { [B64]: Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && B64 in (value as Record<string, unknown>)) {
    return new Uint8Array(Buffer.from((value as Record<string, string>)[B64]!, 'base64'));
  }
  return value;
}
