import type { ResourceType } from '../../api/component-type.js';
import { defineOptions } from '../../../config/field-spec.js';

const postgresIndexDatabaseOptions = defineOptions({
  kind: 'object',
  doc: 'PostgresIndexDatabase options',
  fields: {
    connectionString: {
      kind: 'string',
      default: 'postgres://evochora@127.0.0.1:5432/evochora',
      nonEmpty: true,
      doc: 'libpq-style URL (the password may come from PGPASSWORD).',
    },
    registrySchema: {
      kind: 'string',
      default: 'evochora',
      nonEmpty: true,
      doc: 'Schema of the table listing indexed runs.',
    },
    maxConnections: { kind: 'int', default: 10, min: 1, max: 1000, doc: 'Connection pool size of this process.' },
    connectTimeoutMs: {
      kind: 'int',
      default: 30_000,
      min: 100,
      max: 3_600_000,
      doc: 'How long startup keeps trying to reach the server.',
    },
    statementTimeoutMs: {
      kind: 'int',
      default: 60_000,
      min: 100,
      max: 3_600_000,
      doc: 'Server-side limit of one statement.',
    },
  },
});

export const postgresIndexDatabaseType: ResourceType<typeof postgresIndexDatabaseOptions> = {
  className: 'PostgresIndexDatabase',
  description:
    'Index database on PostgreSQL: one schema per run, idempotent upserts, pooled connections; shared by many indexer processes.',
  options: postgresIndexDatabaseOptions,
  create: async ({ name, options, logger }) => {
    const { PostgresIndexDatabase } = await import('./postgres-index-database.js'); // pg loads only when used
    return PostgresIndexDatabase.create(
      name,
      {
        connectionString: options.connectionString,
        registrySchema: options.registrySchema,
        maxConnections: options.maxConnections,
        connectTimeoutMs: options.connectTimeoutMs,
        statementTimeoutMs: options.statementTimeoutMs,
      },
      logger,
    );
  },
};
