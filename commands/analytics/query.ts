import { Args, Flags } from '../../src/cli/oclif.js';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { analyticsSourceFlags, analyzerFor, formatTable } from '../../src/cli/analytics-source.js';
import type { QueryResult } from '../../src/analyzer/analytics-sql.js';

export default class AnalyticsQuery extends EvochoraCommand<QueryResult & { runId: string; views: readonly string[] }> {
  static override summary = "Run read-only SQL (DuckDB) over a run's analytics.";
  static override description =
    "Every metric table is a view: `population`, `energy`, … at every sampled tick, `population_lod1000` etc. for buckets of ticks (mean, min, max), `births`, `deaths` and `organisms` (births joined with deaths). Only reading statements run, and only the run's own files can be read. docs/analytics.md lists every column.";
  static override examples = [
    '<%= config.bin %> analytics query --run RUN "SHOW TABLES"',
    '<%= config.bin %> analytics query --run RUN "SELECT tick, alive FROM population_lod1000"',
    '<%= config.bin %> analytics query --run RUN "SELECT genome_hash, count(*) n FROM births GROUP BY 1 ORDER BY n DESC LIMIT 5" --json',
  ];
  static override args = {
    sql: Args.string({ description: 'The SQL (one or more reading statements).', required: true }),
  };
  static override flags = {
    ...analyticsSourceFlags,
    'max-rows': Flags.integer({ description: 'Most rows returned.', default: 10_000, min: 1, max: 10_000_000 }),
  };

  async run(): Promise<QueryResult & { runId: string; views: readonly string[] }> {
    const { args, flags } = await this.parse(AnalyticsQuery);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const analyzer = await analyzerFor(config.node.dataDir, flags['storage-dir']);
    try {
      const r = await analyzer.query(flags.run, args.sql, flags['max-rows']);
      if (!this.jsonEnabled()) {
        this.log(
          formatTable(
            r.columns.map((c) => c.name),
            r.rows,
          ),
        );
        this.log(
          `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? `, cut at --max-rows ${flags['max-rows']}` : ''})`,
        );
      }
      return { runId: flags.run, ...r };
    } finally {
      analyzer.close();
    }
  }
}
