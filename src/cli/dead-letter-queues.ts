/**
 * The dead-letter queues a command given a configuration (`-c`) reads (`dlq list|replay`, `cleanup`): the
 * directories under `<data-dir>/dlq/` as always (one per FileSystemDeadLetterQueue of this host), and the shared
 * queues in the bucket of every S3DeadLetterQueue the configuration declares, together with their siblings (the
 * other queues of the deployment under the same bucket and prefix), so the config of any role sees them all.
 */
import type { EvochoraConfig } from '../config/config-schema.js';
import {
  deadLetterDirsOf,
  loadConfiguredResources,
  loadDeadLetterStore,
  loadRegistry,
  loadS3DeadLetterQueue,
  type DeadLetterArchive,
  type S3DeadLetterQueue,
} from '../pipeline/index.js';

export interface NamedDeadLetterQueue {
  /** The DLQ's name (its directory, or its resource name in the bucket). */
  readonly name: string;
  /** Where it is, for messages (a directory or `s3://bucket/.dlq/name/`). */
  readonly location: string;
  readonly archive: DeadLetterArchive;
}

export interface DeadLetterQueues {
  readonly queues: readonly NamedDeadLetterQueue[];
  close(): Promise<void>;
}

/** Every DLQ of the configuration, or only the one named `name`. */
export async function deadLetterQueuesOf(config: EvochoraConfig, name?: string): Promise<DeadLetterQueues> {
  const opened: S3DeadLetterQueue[] = [];
  const close = async (): Promise<void> => {
    for (const q of opened.splice(0).reverse()) await q.close().catch(() => undefined);
  };
  try {
    const shared: S3DeadLetterQueue[] = [];
    const seen = new Set<string>();
    const add = (q: S3DeadLetterQueue): void => {
      const key = `${q.options.endpoint} ${q.location}`;
      if (seen.has(key)) return;
      seen.add(key);
      shared.push(q);
    };
    for (const [resource, def] of Object.entries(config.pipeline.resources)) {
      if (def.className !== 'S3DeadLetterQueue') continue;
      // Only a configuration with a shared queue loads the S3 client.
      const [{ createConfiguredResource }, { defaultRegistry }, { S3DeadLetterQueue }] = await Promise.all([
        loadConfiguredResources(),
        loadRegistry(),
        loadS3DeadLetterQueue(),
      ]);
      const q = await createConfiguredResource(config, defaultRegistry(), resource);
      if (!(q instanceof S3DeadLetterQueue)) continue;
      opened.push(q);
      add(q);
      for (const s of await q.siblings()) {
        opened.push(s);
        add(s);
      }
    }
    const wanted = shared
      .filter((q) => name === undefined || q.name === name)
      .sort((a, b) => a.name.localeCompare(b.name));
    const { DeadLetterStore } = await loadDeadLetterStore();
    const local = deadLetterDirsOf(config.node.dataDir, name)
      // A name that is a shared queue means that one, not an (absent) directory of the same name.
      .filter((d) => name === undefined || wanted.length === 0 || d.name !== name)
      .map((d) => ({ name: d.name, location: d.directory, archive: new DeadLetterStore(d.directory) }));
    return {
      queues: [...local, ...wanted.map((q) => ({ name: q.name, location: q.location, archive: q }))],
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
