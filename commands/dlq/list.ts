import { Flags } from '../../src/cli/oclif.js';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { deadLetterQueuesOf } from '../../src/cli/dead-letter-queues.js';
import type { DeadLetterArchive } from '../../src/pipeline/index.js';

export interface DeadLetterSummary {
  dlq: string;
  id: string;
  failedAt: string;
  messageType: string;
  sourceService: string;
  simulationRunId: string;
  startTick: number | null;
  endTick: number | null;
  tickCount: number | null;
  retryCount: number;
  failureReason: string;
  storageKey: string;
  sizeBytes: number;
  error?: string;
}

export default class DlqList extends EvochoraCommand<{ deadLetters: DeadLetterSummary[] }> {
  static override summary = 'List dead letters: batches and metadata that could not be stored after every retry.';
  static override description =
    "Reads the dead-letter directories under <data-dir>/dlq/ (one per FileSystemDeadLetterQueue resource) and, with a config that declares an S3DeadLetterQueue (config/distributed/*.conf), the deployment's shared DLQs in its bucket, whichever host wrote them. Recover them with `evochora dlq replay`.";
  static override examples = [
    '<%= config.bin %> dlq list',
    '<%= config.bin %> dlq list --dlq persistence-dlq --json',
    '<%= config.bin %> dlq list -c config/distributed/persistence-host.conf',
  ];
  static override flags = {
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
    dlq: Flags.string({
      description: "Name of the DLQ resource (default: every DLQ under <data-dir>/dlq and in the config's bucket).",
    }),
  };

  async run(): Promise<{ deadLetters: DeadLetterSummary[] }> {
    const { flags } = await this.parse(DlqList);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const out: DeadLetterSummary[] = [];
    const dlqs = await deadLetterQueuesOf(config, flags.dlq);
    try {
      for (const { name, archive: store } of dlqs.queues) await this.collect(name, store, out);
    } finally {
      await dlqs.close();
    }
    if (!this.jsonEnabled()) {
      if (out.length === 0) this.log('no dead letters');
      for (const d of out) {
        const range = d.startTick !== null ? ` ticks ${d.startTick}..${d.endTick} (${d.tickCount})` : '';
        this.log(
          `${d.dlq}/${d.id}  ${d.failedAt}  ${d.messageType}  run ${d.simulationRunId || '?'}${range}  from ${d.sourceService || '?'} after ${d.retryCount} retries: ${d.error ?? d.failureReason}`,
        );
      }
    }
    return { deadLetters: out };
  }

  /** One summary per letter of a DLQ; a letter that cannot be read is listed with its error. */
  private async collect(name: string, store: DeadLetterArchive, out: DeadLetterSummary[]): Promise<void> {
    for (const entry of await store.list()) {
      const base = {
        dlq: name,
        id: entry.id,
        failedAt: new Date(entry.failedAtMs).toISOString(),
        sizeBytes: entry.sizeBytes,
      };
      try {
        const d = await store.read(entry.id);
        const num = (k: string): number | null =>
          d.metadata[k] !== undefined && d.metadata[k] !== '' ? Number(d.metadata[k]) : null;
        out.push({
          ...base,
          messageType: d.messageType,
          sourceService: d.sourceService,
          simulationRunId: d.metadata.simulationRunId ?? '',
          startTick: num('startTick'),
          endTick: num('endTick'),
          tickCount: num('tickCount'),
          retryCount: d.retryCount,
          failureReason: d.failureReason,
          storageKey: d.metadata.storageKey ?? '',
        });
      } catch (err) {
        out.push({
          ...base,
          messageType: '?',
          sourceService: '',
          simulationRunId: '',
          startTick: null,
          endTick: null,
          tickCount: null,
          retryCount: 0,
          failureReason: '',
          storageKey: '',
          error: (err as Error).message,
        });
      }
    }
  }
}
