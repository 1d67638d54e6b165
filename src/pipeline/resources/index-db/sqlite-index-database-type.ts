import type { ResourceType } from '../../api/component-type.js';
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
  create: async ({ name, options, dataDir }) => {
    const { SqliteIndexDatabase } = await import('./sqlite-index-database.js'); // the native SQLite binding loads when used
    return new SqliteIndexDatabase(name, { directory: options.directory }, dataDir);
  },
};
