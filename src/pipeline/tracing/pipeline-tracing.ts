/**
 * The tracer the pipeline's services record spans with, and its lifetime. Tracing off (the default) is the
 * no-op tracer of @opentelemetry/api: starting a span costs an object, and the SDK and exporter modules are
 * never imported (start-tracing.ts loads them with `import()` only when tracing is on, so CLI start-up does
 * not pay).
 */
import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface PipelineTracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Exports every finished span now. */
  flush(): Promise<void>;
  /** Exports what is left and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** A provider with no delegate hands out the API's no-op tracer. */
export const NOOP_TRACER: Tracer = new ProxyTracerProvider().getTracer('evochora');

export const TRACING_OFF: PipelineTracing = {
  enabled: false,
  tracer: NOOP_TRACER,
  flush: async () => {},
  shutdown: async () => {},
};

export interface StartTracingOptions {
  /** Export to this exporter instead of the configured one (tests: the SDK's InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
  /** Product version, recorded as service.version. */
  readonly version?: string;
}
