import { Flags } from '../../src/cli/oclif.js';
import { EvochoraCommand } from '../../src/cli/base-command.js';
import { EvochoraError } from '../../src/errors.js';
import {
  PipelineErrorCode,
  loadDeadLetterReplay,
  loadFileSystemStorage,
  storageRootOf,
  type BatchStorageWriter,
  type ReplayOutcome,
} from '../../src/pipeline/index.js';
import { deadLetterQueuesOf } from '../../src/cli/dead-letter-queues.js';
import { configuredStorageWriter } from '../../src/cli/stored-run-backends.js';

export default class DlqReplay extends EvochoraCommand<{ replayed: ReplayOutcome[] }> {
  static override summary =
    'Write dead-lettered batches (and metadata) to storage again, then remove them from the DLQ.';
  static override description =
    "Fix the cause first (disk space, permissions). Each dead letter is written under its deterministic key (the same file the service would have written), atomically; a letter that fails again stays in the DLQ. Writes to the configuration's storage when that is not the file system (S3 with a distributed config, whose shared DLQs in the bucket are replayed too), else to <data-dir>/storage or --storage-dir. Exit code 1 when any letter failed.";
  static override examples = [
    '<%= config.bin %> dlq replay',
    '<%= config.bin %> dlq replay --id dl_1764039600000_000001_1a2b3c4d.pb.zst --keep',
    '<%= config.bin %> dlq replay -c config/distributed/persistence-host.conf --dlq persistence-dlq',
  ];
  static override flags = {
    'data-dir': Flags.string({ description: 'Data directory of the node (default from config: node.dataDir).' }),
    'storage-dir': Flags.string({ description: 'Storage root to write to instead of <data-dir>/storage.' }),
    dlq: Flags.string({
      description: "Name of the DLQ resource (default: every DLQ under <data-dir>/dlq and in the config's bucket).",
    }),
    id: Flags.string({ description: 'Replay only this dead letter (repeatable).', multiple: true }),
    keep: Flags.boolean({ description: 'Keep the dead letters after a successful replay.', default: false }),
  };

  async run(): Promise<{ replayed: ReplayOutcome[] }> {
    const { flags } = await this.parse(DlqReplay);
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    // The deployment's storage (S3) when the config has one; otherwise the node's directory, as always.
    const configured = flags['storage-dir'] === undefined ? await configuredStorageWriter(config) : undefined;
    const [{ FileSystemStorage }, { replayDeadLetter }] = await Promise.all([
      loadFileSystemStorage(),
      loadDeadLetterReplay(),
    ]);
    const storage: BatchStorageWriter =
      configured?.storage ??
      new FileSystemStorage('dlq-replay', { rootDirectory: storageRootOf(config.node.dataDir, flags['storage-dir']) });
    const wanted = flags.id ? new Set(flags.id) : undefined;
    const replayed: ReplayOutcome[] = [];
    try {
      const dlqs = await deadLetterQueuesOf(config, flags.dlq);
      try {
        for (const { name, archive } of dlqs.queues) {
          for (const entry of await archive.list()) {
            if (wanted && !wanted.has(entry.id)) continue;
            const r = await replayDeadLetter(archive, entry.id, storage, flags.keep);
            replayed.push(r);
            if (!this.jsonEnabled())
              this.log(
                r.ok
                  ? `${name}/${r.id}  replayed → ${r.storageKey}${r.ticks !== undefined ? ` (${r.ticks} ticks)` : ''}${r.removed ? '' : ' (kept)'}`
                  : `${name}/${r.id}  FAILED: ${r.error}`,
              );
          }
        }
      } finally {
        await dlqs.close();
      }
    } finally {
      await configured?.close();
    }
    if (wanted)
      for (const id of wanted)
        if (!replayed.some((r) => r.id === id))
          throw new EvochoraError(PipelineErrorCode.DEAD_LETTER_NOT_FOUND, `No dead letter '${id}'.`, {
            actions: ['List them with `evochora dlq list`.'],
          });
    if (!this.jsonEnabled() && replayed.length === 0) this.log('no dead letters to replay');
    if (replayed.some((r) => !r.ok)) this.exitStatus = 1;
    return { replayed };
  }
}
