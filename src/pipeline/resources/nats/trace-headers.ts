/**
 * A message's trace context as NATS message headers, under the W3C names (`traceparent`, `tracestate`), so
 * any tool that reads the stream sees them where it expects them.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import { TRACEPARENT, TRACESTATE, type TraceContext } from '../../tracing/trace-context.js';

export function setTraceHeaders(h: MsgHdrs, traceContext: TraceContext | undefined): void {
  if (traceContext === undefined) return;
  h.set(TRACEPARENT, traceContext.traceparent);
  if (traceContext.tracestate) h.set(TRACESTATE, traceContext.tracestate);
}

/** The trace context a message's headers carry; undefined when it has none. */
export function traceContextOfHeaders(h: MsgHdrs | undefined): TraceContext | undefined {
  const traceparent = h?.get(TRACEPARENT) ?? '';
  if (traceparent === '') return undefined;
  const tracestate = h?.get(TRACESTATE) ?? '';
  return tracestate === '' ? { traceparent } : { traceparent, tracestate };
}
