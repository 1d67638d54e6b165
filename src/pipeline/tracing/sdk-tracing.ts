/**
 * The OpenTelemetry SDK behind an enabled PipelineTracing: a BasicTracerProvider (not registered globally,
 * so several nodes or tests in one process keep their spans apart) with a BatchSpanProcessor, so spans are
 * exported in the background in batches, never on the path of a chunk. Only imported when tracing is on.
 */
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { TracingConfig } from '../../config/config-schema.js';
import type { PipelineTracing, StartTracingOptions } from './pipeline-tracing.js';

/** The longest the last export may hold a stopping node. */
const SHUTDOWN_WAIT_MS = 5000;

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function exporterFor(config: TracingConfig): SpanExporter {
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  return new OTLPTraceExporter({ url: config.endpoint, headers: { ...config.headers } });
}

export function startSdkTracing(config: TracingConfig, options: StartTracingOptions): PipelineTracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      ...(options.version ? { 'service.version': options.version } : {}),
    }),
    // A chunk's trace is sampled once, at its first span; everything caused by it follows that decision.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(options.exporter ?? exporterFor(config))],
  });
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: provider.getTracer('evochora', options.version),
    flush: () => provider.forceFlush(),
    // A collector that does not answer must not hold the node's stop: the last export gets a bounded wait.
    shutdown: () => (stopped ??= withDeadline(provider.shutdown(), SHUTDOWN_WAIT_MS)),
  };
}
