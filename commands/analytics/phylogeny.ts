import { Flags } from '../../src/cli/oclif.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { analyticsSourceFlags, analyzerFor } from '../../src/cli/analytics-source.js';
import { alifeCsv, newick } from '../../src/analyzer/phylogeny.js';

export interface PhylogenyResult {
  runId: string;
  format: string;
  organisms: number;
  roots: number;
  orphans: number;
  maxGeneration: number;
  file: string | null;
}

export default class AnalyticsPhylogeny extends EvochoraCommand<PhylogenyResult> {
  static override summary = "Export a run's phylogeny: the ALife data standard CSV or Newick.";
  static override description =
    'Every organism recorded, with its parent, birth and death tick, generation and genome hash. ALife CSV columns: id, ancestor_list ([none] for roots), origin_time, destruction_time (inf while alive), generation, genome_hash, program_id, death_cause. Newick labels nodes with organism ids; branch lengths are ticks between births. Without -o the tree goes to stdout.';
  static override examples = [
    '<%= config.bin %> analytics phylogeny --run RUN -o tree.csv',
    '<%= config.bin %> analytics phylogeny --run RUN --format newick -o tree.nwk',
  ];
  static override flags = {
    ...analyticsSourceFlags,
    format: Flags.string({ description: 'Output format.', options: ['alife', 'newick'], default: 'alife' }),
    output: Flags.string({ char: 'o', description: 'File to write (default: stdout).' }),
  };

  async run(): Promise<PhylogenyResult> {
    const { flags } = await this.parse(AnalyticsPhylogeny);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const analyzer = await analyzerFor(config.node.dataDir, flags['storage-dir']);
    try {
      const p = await analyzer.phylogeny(flags.run);
      const text = flags.format === 'newick' ? newick(p) : alifeCsv(p);
      const file = flags.output ? resolve(flags.output) : null;
      if (file) writeFileSync(file, text);
      else if (!this.jsonEnabled()) process.stdout.write(text);
      const result: PhylogenyResult = {
        runId: flags.run,
        format: flags.format,
        organisms: p.nodes.length,
        roots: p.nodes.filter((n) => n.ancestor === null).length,
        orphans: p.orphans,
        maxGeneration: p.nodes.reduce((m, n) => Math.max(m, n.generation), 0),
        file,
      };
      if (file && !this.jsonEnabled())
        this.log(`${result.organisms} organisms, ${result.roots} roots, ${result.maxGeneration} generations → ${file}`);
      return result;
    } finally {
      analyzer.close();
    }
  }
}
