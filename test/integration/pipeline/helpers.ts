import pino from 'pino';
import {
  DEFAULT_TRACING,
  type EvochoraConfig,
  type ResourceDefinition,
  type ServiceDefinition,
} from '../../../src/config/config-schema.js';
import { defaultRegistry } from '../../../src/pipeline/registry.js';
import { ServiceManager } from '../../../src/pipeline/service-manager.js';

export const quietLogger = pino({ level: process.env.EVO_TEST_LOG ?? 'silent' });

export function pipelineConfig(
  dataDir: string,
  resources: Record<string, ResourceDefinition>,
  services: Record<string, ServiceDefinition>,
  startupSequence: string[],
): EvochoraConfig {
  return {
    node: { host: '127.0.0.1', port: 0, dataDir, stopTimeoutMs: 30_000, readyTimeoutMs: 30_000, readAccess: 'open' },
    logging: { level: 'info', format: 'json', levels: {} },
    pipeline: { autoStart: false, startupSequence, serviceStopTimeoutMs: 60_000, resources, services },
    tracing: { ...DEFAULT_TRACING },
  };
}

export async function manager(config: EvochoraConfig): Promise<ServiceManager> {
  return ServiceManager.create({ config, registry: defaultRegistry(), logger: quietLogger });
}

export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A recording pipeline: engine → tick-queue → N persistence services → storage (+ metadata, DLQ, tracker). */
export function recordingConfig(
  dataDir: string,
  opts: { consumers?: number; maxBatchSize?: number; engine?: Record<string, unknown>; queueCapacity?: number } = {},
): EvochoraConfig {
  const consumers = opts.consumers ?? 1;
  const services: Record<string, ServiceDefinition> = {
    'simulation-engine': {
      className: 'SimulationEngine',
      resources: {
        tickData: 'queue-out:tick-queue',
        metadataOutput: 'queue-out:metadata-queue',
        resumeStorage: 'storage-read:tick-storage',
      },
      options: {
        environment: { shape: [64, 64], topology: 'TORUS' },
        seed: 7,
        organisms: [
          {
            program: 'builtin:counter',
            energy: 5000,
            positions: [
              [5, 5],
              [30, 30],
            ],
          },
        ],
        accumulatedDeltaInterval: 2,
        snapshotInterval: 3,
        ...opts.engine,
      },
    },
    'metadata-persistence': {
      className: 'MetadataPersistenceService',
      resources: {
        input: 'queue-in:metadata-queue',
        storage: 'storage-write:tick-storage',
        dlq: 'queue-out:persistence-dlq',
      },
      options: {},
    },
  };
  const sequence = ['metadata-persistence'];
  for (let i = 1; i <= consumers; i++) {
    services[`persistence-${i}`] = {
      className: 'PersistenceService',
      resources: {
        input: 'queue-in:tick-queue',
        storage: 'storage-write:tick-storage',
        dlq: 'queue-out:persistence-dlq',
        idempotencyTracker: 'persistence-idempotency',
      },
      options: { maxBatchSize: opts.maxBatchSize ?? 4, batchTimeoutSeconds: 0.05, retryBackoffMs: 10 },
    };
    sequence.push(`persistence-${i}`);
  }
  sequence.push('simulation-engine');
  return pipelineConfig(
    dataDir,
    {
      'tick-queue': {
        className: 'InMemoryQueue',
        options: { capacity: opts.queueCapacity ?? 64, maxBytes: 64 * 1024 * 1024 },
      },
      'metadata-queue': { className: 'InMemoryQueue', options: { capacity: 4 } },
      'tick-storage': { className: 'FileSystemStorage', options: { rootDirectory: 'storage' } },
      'persistence-dlq': { className: 'FileSystemDeadLetterQueue', options: {} },
      'persistence-idempotency': { className: 'InMemoryIdempotencyTracker', options: {} },
    },
    services,
    sequence,
  );
}
