/** Starts tracing as configured, loading the OpenTelemetry SDK only when it is on. */
import type { TracingConfig } from '../../config/config-schema.js';
import { TRACING_OFF, type PipelineTracing, type StartTracingOptions } from './pipeline-tracing.js';

/** TRACING_OFF when disabled, else an SDK provider with a batch span processor (sdk-tracing.ts). */
export async function startTracing(config: TracingConfig, options: StartTracingOptions = {}): Promise<PipelineTracing> {
  if (!config.enabled) return TRACING_OFF;
  const { startSdkTracing } = await import('./sdk-tracing.js');
  return startSdkTracing(config, options);
}
