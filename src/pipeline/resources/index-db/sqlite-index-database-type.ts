import type { ResourceType } from '../../api/component-type.js';
import { SqliteIndexDatabase } from './sqlite-index-database.js';
import { defineOptions } from '../../../config/field-spec.js';

const sqliteIndexDatabaseOptions = defineOptions({
  kind: 'object',
  doc: 'SqliteIndexDatabase options',
  fields: {
    directory: {
      kind: 'string',
      default: 'index',
      nonEmpty: true,
      doc: 'Directory of the per-run database files (relative to node.dataDir).',
    },
  },
});

export const sqliteIndexDatabaseType: ResourceType<typeof sqliteIndexDatabaseOptions> = {
  className: 'SqliteIndexDatabase',
  description: 'Index database of the embedded node: one SQLite file per run (WAL), idempotent upserts.',
  options: sqliteIndexDatabaseOptions,
  create: ({ name, options, dataDir }) => new SqliteIndexDatabase(name, { directory: options.directory }, dataDir),
};
