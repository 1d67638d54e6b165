import type { FieldSpec, ObjectSpec } from './field-spec.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ResourceDefinition {
  className: string;
  options: Record<string, unknown>;
}

export interface ServiceDefinition {
  className: string;
  resources: Record<string, string>;
  options: Record<string, unknown>;
}

export interface EvochoraConfig {
  node: {
    host: string;
    port: number;
    dataDir: string;
    stopTimeoutMs: number;
    readyTimeoutMs: number;
    readAccess: 'open' | 'token' | 'open-on-network';
  };
  logging: {
    level: LogLevel;
    format: 'auto' | 'pretty' | 'json';
    levels: Record<string, LogLevel>;
  };
  pipeline: {
    autoStart: boolean;
    startupSequence: string[];
    serviceStopTimeoutMs: number;
    resources: Record<string, ResourceDefinition>;
    services: Record<string, ServiceDefinition>;
  };
  tracing: TracingConfig;
}

export const TRACING_EXPORTERS = ['otlp', 'console'] as const;

/** OpenTelemetry tracing of the recording pipeline (docs/tracing.md). */
export interface TracingConfig {
  enabled: boolean;
  exporter: (typeof TRACING_EXPORTERS)[number];
  endpoint: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
}

/** Tracing as the built-in defaults have it: off. */
export const DEFAULT_TRACING: TracingConfig = {
  enabled: false,
  exporter: 'otlp',
  endpoint: 'http://localhost:4318/v1/traces',
  headers: {},
  serviceName: 'evochora',
  sampleRatio: 1,
};

const resourceSpec: FieldSpec = {
  kind: 'object',
  doc: 'A shared resource: a queue, storage, topic or database.',
  fields: {
    className: { kind: 'string', nonEmpty: true, doc: 'Resource type, e.g. InMemoryQueue.' },
    options: { kind: 'any', default: {}, doc: 'Options of that resource type.' },
  },
};

const serviceSpec: FieldSpec = {
  kind: 'object',
  doc: 'A service and the resources bound to its ports.',
  fields: {
    className: { kind: 'string', nonEmpty: true, doc: 'Service type, e.g. PersistenceService.' },
    resources: {
      kind: 'map',
      values: { kind: 'string', nonEmpty: true, doc: 'usage:resource?k=v' },
      default: {},
      doc: 'Port name → binding URI.',
    },
    options: { kind: 'any', default: {}, doc: 'Options of that service type.' },
  },
};

/**
 * The default pipeline of the embedded node: the engine records every sampled tick through the tick queue
 * to storage, the persistence services announce what they wrote on the batch and metadata topics, and the
 * indexers fill the per-run SQLite index the visualizer reads. Consumers start before producers.
 */
export const DEFAULT_PIPELINE_RESOURCES: Record<string, ResourceDefinition> = {
  'tick-queue': { className: 'InMemoryQueue', options: { capacity: 8, maxBytes: 16 * 1024 * 1024 } },
  'metadata-queue': { className: 'InMemoryQueue', options: { capacity: 4, maxBytes: 64 * 1024 * 1024 } },
  'tick-storage': { className: 'FileSystemStorage', options: { rootDirectory: 'storage', compressionLevel: 1 } },
  'persistence-dlq': { className: 'FileSystemDeadLetterQueue', options: { capacity: 10000 } },
  'batch-topic': { className: 'InMemoryTopic', options: { ackTimeoutMs: 60000, maxGroupBacklog: 2 } },
  'metadata-topic': { className: 'InMemoryTopic', options: { ackTimeoutMs: 60000 } },
  'index-database': { className: 'SqliteIndexDatabase', options: { directory: 'index' } },
  'indexer-dlq': { className: 'FileSystemDeadLetterQueue', options: { capacity: 10000 } },
};
export const DEFAULT_PIPELINE_SERVICES: Record<string, ServiceDefinition> = {
  'simulation-engine': {
    className: 'SimulationEngine',
    resources: {
      tickData: 'queue-out:tick-queue',
      metadataOutput: 'queue-out:metadata-queue',
      resumeStorage: 'storage-read:tick-storage',
    },
    options: {
      environment: { shape: [512, 512], topology: 'TORUS' },
      seed: 42,
      organisms: [{ program: 'builtin:replicator', energy: 100000, positions: [[100, 100]] }],
      samplingInterval: 1,
      accumulatedDeltaInterval: 50,
      snapshotInterval: 20,
      pauseTicks: [],
      maxTicks: 0,
      resume: { runId: '' },
      fork: { runId: '', tick: 0, seed: '', runtime: {} },
      experiment: { name: '', cell: '' },
    },
  },
  'metadata-persistence-service': {
    className: 'MetadataPersistenceService',
    resources: {
      input: 'queue-in:metadata-queue',
      storage: 'storage-write:tick-storage',
      dlq: 'queue-out:persistence-dlq',
      topic: 'topic-write:metadata-topic',
    },
    options: {},
  },
  'persistence-service-1': {
    className: 'PersistenceService',
    resources: {
      input: 'queue-in:tick-queue',
      storage: 'storage-write:tick-storage',
      dlq: 'queue-out:persistence-dlq',
      topic: 'topic-write:batch-topic',
    },
    options: { maxBatchSize: 5, batchTimeoutSeconds: 5, maxRetries: 3, retryBackoffMs: 1000 },
  },
  'metadata-indexer': {
    className: 'MetadataIndexer',
    resources: {
      topic: 'topic-read:metadata-topic?consumerGroup=metadata',
      storage: 'storage-read:tick-storage',
      database: 'db-meta-write:index-database',
      dlq: 'queue-out:indexer-dlq',
    },
    options: {},
  },
  'environment-indexer-1': {
    className: 'EnvironmentIndexer',
    resources: {
      topic: 'topic-read:batch-topic?consumerGroup=environment',
      storage: 'storage-read:tick-storage',
      database: 'db-env-write:index-database',
      dlq: 'queue-out:indexer-dlq',
    },
    options: {},
  },
  'organism-indexer-1': {
    className: 'OrganismIndexer',
    resources: {
      topic: 'topic-read:batch-topic?consumerGroup=organism',
      storage: 'storage-read:tick-storage',
      database: 'db-organism-write:index-database',
      dlq: 'queue-out:indexer-dlq',
    },
    options: {},
  },
  'analytics-indexer-1': {
    className: 'AnalyticsIndexer',
    resources: {
      topic: 'topic-read:batch-topic?consumerGroup=analytics',
      storage: 'storage-read:tick-storage',
      analytics: 'analytics-write:tick-storage',
      dlq: 'queue-out:indexer-dlq',
    },
    options: {},
  },
};
export const DEFAULT_STARTUP_SEQUENCE: string[] = [
  'metadata-indexer',
  'environment-indexer-1',
  'organism-indexer-1',
  'analytics-indexer-1',
  'metadata-persistence-service',
  'persistence-service-1',
  'simulation-engine',
];

export const CONFIG_SCHEMA: ObjectSpec = {
  kind: 'object',
  doc: 'Evochora configuration',
  fields: {
    node: {
      kind: 'object',
      doc: 'The node daemon.',
      fields: {
        host: {
          kind: 'string',
          default: '127.0.0.1',
          nonEmpty: true,
          doc: 'Interface the HTTP API binds to. Loopback by default.',
        },
        port: { kind: 'int', default: 8081, min: 0, max: 65535, doc: 'HTTP port; 0 picks a free port.' },
        dataDir: {
          kind: 'string',
          default: './data',
          nonEmpty: true,
          doc: 'Runs, state files and logs live here (relative to the working directory).',
        },
        stopTimeoutMs: {
          kind: 'int',
          default: 30000,
          min: 100,
          max: 3_600_000,
          doc: 'How long `node stop` waits for a drain before SIGTERM, then SIGKILL.',
        },
        readyTimeoutMs: {
          kind: 'int',
          default: 30000,
          min: 100,
          max: 600_000,
          doc: 'How long `node run --detached` waits for the node to become ready.',
        },
        readAccess: {
          kind: 'string',
          enum: ['open', 'token', 'open-on-network'],
          default: 'open',
          doc: 'Who may read the API and pages: open (anyone who reaches node.host; refused unless it is loopback), token (reads need the node token too: a header, or once ?token= in a browser), open-on-network (open on any host, on purpose).',
        },
      },
    },
    logging: {
      kind: 'object',
      doc: 'Logging.',
      fields: {
        level: { kind: 'string', enum: LOG_LEVELS, default: 'info', doc: 'Default level of every logger.' },
        format: {
          kind: 'string',
          enum: ['auto', 'pretty', 'json'],
          default: 'auto',
          doc: 'auto: human lines on a terminal, JSON lines otherwise.',
        },
        levels: {
          kind: 'map',
          values: { kind: 'string', enum: LOG_LEVELS, doc: 'level' },
          default: {},
          doc: 'Per-logger levels: services log under their name, resources as resource-<name>.',
        },
      },
    },
    pipeline: {
      kind: 'object',
      doc: 'Services and resources of the node.',
      fields: {
        autoStart: { kind: 'bool', default: true, doc: 'Start the startupSequence when the node starts.' },
        startupSequence: {
          kind: 'list',
          of: 'string',
          default: DEFAULT_STARTUP_SEQUENCE,
          doc: 'Services started, in order, by autoStart and `pipeline start`.',
        },
        serviceStopTimeoutMs: {
          kind: 'int',
          default: 10000,
          min: 10,
          max: 3_600_000,
          doc: 'How long a service may take to drain when stopped.',
        },
        resources: {
          kind: 'map',
          values: resourceSpec,
          default: DEFAULT_PIPELINE_RESOURCES,
          doc: 'Resources by name.',
        },
        services: { kind: 'map', values: serviceSpec, default: DEFAULT_PIPELINE_SERVICES, doc: 'Services by name.' },
      },
    },
    tracing: {
      kind: 'object',
      doc: 'OpenTelemetry spans for the life of each recorded batch (docs/tracing.md).',
      fields: {
        enabled: {
          kind: 'bool',
          default: DEFAULT_TRACING.enabled,
          doc: 'Record spans; off, the pipeline uses the no-op tracer and the SDK is never loaded.',
        },
        exporter: {
          kind: 'string',
          enum: TRACING_EXPORTERS,
          default: DEFAULT_TRACING.exporter,
          doc: 'otlp: OTLP/HTTP (JSON) to `endpoint`; console: one object per span on stdout.',
        },
        endpoint: {
          kind: 'string',
          default: DEFAULT_TRACING.endpoint,
          nonEmpty: true,
          doc: 'OTLP/HTTP traces URL of a collector (Jaeger, Tempo, the OpenTelemetry Collector), path included.',
        },
        headers: {
          kind: 'map',
          values: { kind: 'string', doc: 'header value' },
          default: DEFAULT_TRACING.headers,
          doc: 'HTTP headers sent with every export (e.g. an authorization token of a hosted collector).',
        },
        serviceName: {
          kind: 'string',
          default: DEFAULT_TRACING.serviceName,
          nonEmpty: true,
          doc: 'service.name of the spans: name each process of a distributed deployment apart.',
        },
        sampleRatio: {
          kind: 'number',
          default: DEFAULT_TRACING.sampleRatio,
          min: 0,
          max: 1,
          doc: 'Share of chunks whose trace is recorded; the rest of a trace follows its first span.',
        },
      },
    },
  },
};

/** Keys with a fixed path get an environment variable each: node.dataDir → EVOCHORA_NODE_DATA_DIR. */
export function envNameForPath(path: string): string {
  return `EVOCHORA_${path
    .split('.')
    .map((seg) =>
      seg
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/-/g, '_')
        .toUpperCase(),
    )
    .join('_')}`;
}

/** Every fixed key path with its spec (maps and free-form options are reached with `EVOCHORA__a__b`). */
export function leafPaths(spec: FieldSpec = CONFIG_SCHEMA, prefix = ''): Array<[string, FieldSpec]> {
  if (spec.kind !== 'object') return [[prefix, spec]];
  return Object.entries(spec.fields).flatMap(([key, child]) =>
    leafPaths(child, prefix === '' ? key : `${prefix}.${key}`),
  );
}
