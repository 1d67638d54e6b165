/**
 * A span's identity as it travels with a queue or topic message: the W3C Trace Context headers
 * (`traceparent`, `tracestate`). Queues and topics carry it unchanged (in memory as a field, over NATS as
 * message headers), so a span in another process can name the span that sent the message as its parent.
 * Written here rather than taken from the SDK's propagator so that nothing of the SDK is loaded while
 * tracing is off.
 */
import {
  ROOT_CONTEXT,
  TraceFlags,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

export type TraceContext = Readonly<{ traceparent: string; tracestate?: string }>;

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The `traceparent` of a span context: version 00, trace id, span id, flags. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A remote span context from W3C headers, or undefined when they are missing or malformed (a message without
 * a valid context starts a trace of its own; it never fails). Version ff is invalid; other versions are read
 * as 00 is, as the specification asks of a reader that knows only 00.
 */
export function parseTraceContext(carrier: TraceContext | undefined): SpanContext | undefined {
  if (carrier === undefined || typeof carrier.traceparent !== 'string') return undefined;
  const m = TRACEPARENT_FORMAT.exec(carrier.traceparent.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && carrier.traceparent.trim().length !== 55)) return undefined;
  const sc: SpanContext = {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (typeof carrier.tracestate === 'string' && carrier.tracestate !== '') {
    try {
      sc.traceState = createTraceState(carrier.tracestate);
    } catch {
      // a malformed tracestate is dropped; the trace goes on
    }
  }
  return isSpanContextValid(sc) ? sc : undefined;
}

/**
 * The headers that name `span` as the parent of what a message causes; undefined for the no-op tracer's
 * spans (tracing off), so untraced messages keep their shape. An unsampled span's context travels too (flags
 * 00), so the receiving side does not sample what the sending side dropped.
 */
export function injectTraceContext(span: Span): TraceContext | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  const state = sc.traceState?.serialize();
  return state ? { traceparent: formatTraceparent(sc), tracestate: state } : { traceparent: formatTraceparent(sc) };
}

/** The context to start a span in: the message's sender as the remote parent, or the root (a new trace). */
export function contextFrom(carrier: TraceContext | undefined): Context {
  const sc = parseTraceContext(carrier);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The context in which `span` is the parent. */
export function contextOf(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}
