/** How a span records what happened to its work: a failure, or an attempt that failed and will be tried again. */
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { EVENT } from './span-names.js';

/** Marks `span` failed with `err` (a dead letter, a failed publish or scan is an error in its trace). */
export function failSpan(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/** The `retry` event (docs/tracing.md): attempt `attempt` failed with `err`, the next comes after `backoffMs`. */
export function recordRetry(span: Span | undefined, attempt: number, err: unknown, backoffMs: number): void {
  span?.addEvent(EVENT.retry, {
    attempt,
    'exception.message': (err as Error).message,
    'exception.type': (err as Error).name ?? 'Error',
    backoff_ms: backoffMs,
  });
}
