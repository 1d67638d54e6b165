import type { ResourceType } from '../../api/component-type.js';
import { PostgresIndexDatabase } from './postgres-index-database.js';

export const postgresIndexDatabaseType: ResourceType = {
  className: 'PostgresIndexDatabase',
  description:
    'Index database on PostgreSQL: one schema per run, idempotent upserts, pooled connections; shared by many indexer processes.',
  options: {
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
  },
  create: ({ name, options, logger }) =>
    PostgresIndexDatabase.create(
      name,
      {
        connectionString: options.connectionString as string,
        registrySchema: options.registrySchema as string,
        maxConnections: options.maxConnections as number,
        connectTimeoutMs: options.connectTimeoutMs as number,
        statementTimeoutMs: options.statementTimeoutMs as number,
      },
      logger,
    ),
};
