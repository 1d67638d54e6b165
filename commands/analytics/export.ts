import { Flags } from '../../src/cli/oclif.js';
import { resolve } from 'node:path';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { analyticsSourceFlags, analyzerFor } from '../../src/cli/analytics-source.js';

export interface AnalyticsExportResult {
  runId: string;
  out: string;
  files: Array<{ file: string; rows: number }>;
}

export default class AnalyticsExport extends EvochoraCommand<AnalyticsExportResult> {
  static override summary = "Write a run's analytics tables as single Parquet or CSV files, plus its phylogeny.";
  static override description =
    'One file per table (all sampled ticks, or --level N for buckets of N ticks), merged over the parts the indexer wrote, ready for pandas, R, DuckDB or a spreadsheet; and phylogeny.alife.csv (ALife data standard) and phylogeny.nwk (Newick) when the run has births.';
  static override examples = [
    '<%= config.bin %> analytics export --run RUN --out ./results',
    '<%= config.bin %> analytics export --run RUN --out ./results --format csv --level 1000',
    '<%= config.bin %> analytics export --run RUN --out ./results --tables population,genome_diversity',
  ];
  static override flags = {
    ...analyticsSourceFlags,
    out: Flags.string({ description: 'Directory to write (created when missing).', required: true }),
    format: Flags.string({ description: 'File format.', options: ['parquet', 'csv'], default: 'parquet' }),
    level: Flags.integer({
      description: 'Level of detail: buckets of this many ticks (default: every sampled tick).',
      min: 1,
    }),
    tables: Flags.string({ description: 'Comma-separated tables (default: all).' }),
  };

  async run(): Promise<AnalyticsExportResult> {
    const { flags } = await this.parse(AnalyticsExport);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const analyzer = await analyzerFor(config.node.dataDir, flags['storage-dir']);
    const out = resolve(flags.out);
    try {
      const files = await analyzer.export(flags.run, out, {
        format: flags.format as 'parquet' | 'csv',
        level: flags.level === 1 ? undefined : flags.level,
        tables: flags.tables
          ? flags.tables
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : undefined,
        onFile: (name) => {
          if (!this.jsonEnabled()) this.logToStderr(`writing ${name} …`);
        },
      });
      if (!this.jsonEnabled()) {
        for (const f of files) this.log(`${f.file}  ${f.rows} rows`);
        this.log(`${files.length} files in ${out}`);
      }
      return { runId: flags.run, out, files };
    } finally {
      analyzer.close();
    }
  }
}
