import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Marks `span` failed with `err` (a dead letter, a failed publish or scan is an error in its trace). */
export function failSpan(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}
