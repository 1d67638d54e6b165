import { Args } from '../../src/cli/oclif.js';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { analyticsSourceFlags, analyzerFor } from '../../src/cli/analytics-source.js';
import type { GenomeListing } from '../../src/analyzer/genome-listing.js';

export default class AnalyticsGenome extends EvochoraCommand<GenomeListing> {
  static override summary = 'Disassemble the genome behind a genome hash of a run.';
  static override description =
    'Finds the first organism born with the hash (analytics `births`), rebuilds the stored tick where it first appears and lists the cells it owns there in address order, each disassembled, with positions relative to its birth position. The hashes come from `analytics query "SELECT genome_hash, count(*) FROM births GROUP BY 1"` or the analyzer’s genotype table.';
  static override examples = ['<%= config.bin %> analytics genome --run RUN 612820d8ec0cf543'];
  static override args = { hash: Args.string({ description: 'Genome hash (hex).', required: true }) };
  static override flags = { ...analyticsSourceFlags };

  async run(): Promise<GenomeListing> {
    const { args, flags } = await this.parse(AnalyticsGenome);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const analyzer = await analyzerFor(config.node.dataDir, flags['storage-dir']);
    try {
      const g = await analyzer.genome(flags.run, args.hash);
      if (!this.jsonEnabled()) {
        this.log(`# genome ${g.genomeHash}: organism ${g.organismId} at tick ${g.tick}, ${g.cells.length} cells`);
        this.log(g.text);
      }
      return g;
    } finally {
      analyzer.close();
    }
  }
}
