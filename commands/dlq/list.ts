import { Flags } from '@oclif/core';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { DeadLetterStore } from '../../src/pipeline/resources/dead-letter-store.js';
import { deadLetterDirsOf } from '../../src/pipeline/resources/storage-locations.js';

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
    'Reads the dead-letter directories under <data-dir>/dlq/ (one per FileSystemDeadLetterQueue resource). Recover them with `evochora dlq replay`.';
  static override examples = ['<%= config.bin %> dlq list', '<%= config.bin %> dlq list --dlq persistence-dlq --json'];
  static override flags = {
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
    dlq: Flags.string({ description: 'Name of the DLQ resource (default: every DLQ under <data-dir>/dlq).' }),
  };

  async run(): Promise<{ deadLetters: DeadLetterSummary[] }> {
    const { flags } = await this.parse(DlqList);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    const out: DeadLetterSummary[] = [];
    for (const { name, directory } of deadLetterDirsOf(config.node.dataDir, flags.dlq)) {
      const store = new DeadLetterStore(directory);
      for (const entry of store.list()) {
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
}
