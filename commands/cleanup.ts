import { Flags } from '../src/cli/oclif.js';
import { createInterface } from 'node:readline/promises';
import { EvochoraCommand, storageDirFlags } from '../src/cli/base-command.js';
import { CliErrorCode } from '../src/cli/error-codes.js';
import { EvochoraError } from '../src/errors.js';
import { ExitCode } from '../src/exit-codes.js';
import { storedRunBackends, type StoredRunBackends } from '../src/cli/stored-run-backends.js';
import {
  isRunRemovalIndex,
  isRunRemovalStorage,
  RunNotFoundError,
  type DeadLetterArchive,
} from '../src/pipeline/index.js';
import { deadLetterQueuesOf, type DeadLetterQueues } from '../src/cli/dead-letter-queues.js';

interface Candidate {
  runId: string;
  startTimeMs: number;
  /** Newest write under the run's storage folder (a run written to lately may be recording). */
  lastWriteMs: number;
  storageBytes: number;
  indexBytes: number;
  /** The run's dead letters in this node's DLQs and the deployment's shared ones (batches that could not be stored): they go with it. */
  deadLetters: number;
  deadLetterBytes: number;
  deleted: boolean;
  skipped: string | null;
}

export interface CleanupResult {
  dryRun: boolean;
  runs: Candidate[];
  freedBytes: number;
}

interface RunDeadLetter {
  readonly store: DeadLetterArchive;
  readonly id: string;
  readonly sizeBytes: number;
}

/** The dead letters of the configuration's DLQs, by run (a letter that cannot be read stays out of it). */
async function deadLettersByRun(dlqs: DeadLetterQueues): Promise<Map<string, RunDeadLetter[]>> {
  const byRun = new Map<string, RunDeadLetter[]>();
  for (const { archive: store } of dlqs.queues) {
    for (const e of await store.list()) {
      let runId: string | undefined;
      try {
        runId = (await store.read(e.id)).metadata.simulationRunId;
      } catch {
        continue;
      }
      if (!runId) continue;
      const list = byRun.get(runId) ?? [];
      list.push({ store, id: e.id, sizeBytes: e.sizeBytes });
      byRun.set(runId, list);
    }
  }
  return byRun;
}

/** `30d`, `12h`, `90m`, `45s` → milliseconds. */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/.exec(text.trim());
  if (!m)
    throw new EvochoraError(CliErrorCode.USAGE, `--older-than: '${text}' is not a duration.`, {
      exitCode: ExitCode.Usage,
      actions: ['Write a number and a unit: 30d, 12h, 90m or 45s.'],
    });
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
}

function human(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export default class Cleanup extends EvochoraCommand<CleanupResult> {
  static override summary =
    'Delete recorded runs: storage, analytics, index and dead letters, with sizes, after asking.';
  static override description =
    "Selects runs by id, age or count, lists what would go (storage with its analytics, the run's index, its dead letters in this data dir's DLQs and in the shared DLQs of a distributed config) with sizes, and deletes after a confirmation (or --yes). A run written to within --active-within seconds may be recording and is left alone. Each run is first taken out of every listing (a rename, or a marker object in S3), then its index and its data are removed, so a crash midway never leaves a half-deleted run visible; the next cleanup finishes what an interrupted one left. Works on the storage and index of the configuration: the file system and SQLite by default, S3 and PostgreSQL with a distributed config.";
  static override examples = [
    '<%= config.bin %> cleanup --keep-last 3 --dry-run',
    '<%= config.bin %> cleanup --older-than 30d --yes',
    '<%= config.bin %> cleanup --run 20261125-02594100-… --yes --json',
  ];
  static override flags = {
    run: Flags.string({ description: 'A run to delete (repeatable).', multiple: true }),
    'older-than': Flags.string({ description: 'Runs started longer ago than this: 30d, 12h, 90m.' }),
    'keep-last': Flags.integer({ description: 'Keep the newest N runs; delete the others.', min: 0 }),
    'dry-run': Flags.boolean({ description: 'List what would be deleted; delete nothing.' }),
    yes: Flags.boolean({ char: 'y', description: 'Delete without asking.' }),
    'active-within': Flags.integer({
      description: 'Seconds: a run with a write this recent may be recording and is not deleted.',
      default: 120,
      min: 0,
    }),
    'index-dir': Flags.string({ description: "A SQLite index directory instead of the configuration's index." }),
    ...storageDirFlags,
  };

  async run(): Promise<CleanupResult> {
    const { flags } = await this.parse(Cleanup);
    if (!flags.run && !flags['older-than'] && flags['keep-last'] === undefined)
      throw new EvochoraError(CliErrorCode.USAGE, 'Say which runs to delete.', {
        exitCode: ExitCode.Usage,
        actions: ['Use --run RUN, --older-than 30d or --keep-last N (and --dry-run to see the list first).'],
      });
    const { config } = this.resolveConfig(flags, flags['data-dir'] ? [`node.dataDir=${flags['data-dir']}`] : []);
    // The storage and index of the configuration's pipeline (S3 and PostgreSQL with a distributed config).
    const backends = await storedRunBackends(config, {
      ...(flags['storage-dir'] !== undefined ? { storageDir: flags['storage-dir'] } : {}),
      ...(flags['index-dir'] !== undefined ? { indexDir: flags['index-dir'] } : {}),
      withIndex: true,
    });
    try {
      const dlqs = await deadLetterQueuesOf(config);
      try {
        return await this.clean(backends, flags, await deadLettersByRun(dlqs));
      } finally {
        await dlqs.close();
      }
    } finally {
      await backends.close();
    }
  }

  private async clean(
    backends: StoredRunBackends,
    flags: {
      run?: string[];
      'older-than'?: string;
      'keep-last'?: number;
      'dry-run': boolean;
      yes: boolean;
      'active-within': number;
    },
    deadLetters: Map<string, RunDeadLetter[]>,
  ): Promise<CleanupResult> {
    const { storage, storageLabel } = backends;
    if (!isRunRemovalStorage(storage))
      throw new EvochoraError(CliErrorCode.USAGE, `The storage ${storageLabel} cannot remove runs.`, {
        exitCode: ExitCode.Usage,
      });
    const index = isRunRemovalIndex(backends.index) ? backends.index : undefined;
    // Leftovers of an interrupted cleanup (runs hidden but not deleted, and their index) go first; a dry run only
    // names them.
    for (const runId of await storage.hiddenRuns()) {
      if (flags['dry-run']) {
        this.warnUser(`run ${runId} was hidden by an interrupted cleanup; the next cleanup removes it.`);
        continue;
      }
      await index?.removeRunIndex(runId);
      await storage.deleteHiddenRun(runId);
    }
    if (!flags['dry-run']) await index?.finishInterruptedRemovals?.();
    const all: Candidate[] = [];
    for (const runId of await storage.listRunIds()) {
      const s = await storage.runFootprint(runId);
      let startTimeMs = s.lastWriteMs;
      try {
        startTimeMs = Number((await storage.readMetadata(runId)).startTimeMs) || s.lastWriteMs;
      } catch {
        // no metadata: the run's newest write stands in
      }
      const indexBytes = (await index?.runIndexBytes(runId)) ?? 0;
      const letters = deadLetters.get(runId) ?? [];
      all.push({
        runId,
        startTimeMs,
        lastWriteMs: s.lastWriteMs,
        storageBytes: s.bytes,
        indexBytes,
        deadLetters: letters.length,
        deadLetterBytes: letters.reduce((n, l) => n + l.sizeBytes, 0),
        deleted: false,
        skipped: null,
      });
    }
    for (const id of flags.run ?? [])
      if (!all.some((c) => c.runId === id)) throw new RunNotFoundError(id, storageLabel);
    all.sort((a, b) => b.startTimeMs - a.startTimeMs);
    const now = Date.now();
    const chosen = all.filter((c, i) => {
      if (flags.run?.includes(c.runId)) return true;
      if (flags['older-than'] && now - c.startTimeMs > durationMs(flags['older-than'])) return true;
      return flags['keep-last'] !== undefined && i >= flags['keep-last'];
    });
    for (const c of chosen)
      if (flags['active-within'] > 0 && now - c.lastWriteMs < flags['active-within'] * 1000)
        c.skipped = `written ${Math.round((now - c.lastWriteMs) / 1000)} s ago: it may be recording (see --active-within)`;
    const doomed = chosen.filter((c) => !c.skipped);
    const total = doomed.reduce((n, c) => n + c.storageBytes + c.indexBytes + c.deadLetterBytes, 0);
    if (!this.jsonEnabled()) {
      for (const c of chosen)
        this.log(
          `${c.skipped ? 'keep  ' : 'delete'}  ${c.runId}  storage ${human(c.storageBytes)}  index ${human(c.indexBytes)}${c.deadLetters ? `  dead letters ${c.deadLetters} (${human(c.deadLetterBytes)})` : ''}${c.skipped ? `  (${c.skipped})` : ''}`,
        );
      this.log(
        chosen.length === 0
          ? 'No run matches.'
          : `${doomed.length} run(s), ${human(total)}${flags['dry-run'] ? ' would be freed (dry run)' : ''}`,
      );
    }
    if (flags['dry-run'] || doomed.length === 0)
      return { dryRun: Boolean(flags['dry-run']), runs: chosen, freedBytes: 0 };
    if (!flags.yes) {
      if (!process.stdin.isTTY || this.jsonEnabled())
        throw new EvochoraError(CliErrorCode.USAGE, 'Deleting needs a confirmation.', {
          exitCode: ExitCode.Usage,
          actions: ['Pass --yes (scripts), or run it on a terminal to be asked; --dry-run lists without deleting.'],
        });
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Delete ${doomed.length} run(s), ${human(total)}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        this.log('Nothing deleted.');
        return { dryRun: false, runs: chosen, freedBytes: 0 };
      }
    }
    let freed = 0;
    for (const c of doomed) {
      // Out of every listing first, then the index, then the data: a crash midway leaves a hidden run, which the
      // next cleanup finishes.
      await storage.hideRun(c.runId);
      await index?.removeRunIndex(c.runId);
      await storage.deleteHiddenRun(c.runId);
      // Its dead letters last: batches of a run that no longer exists cannot be replayed anywhere.
      for (const l of deadLetters.get(c.runId) ?? []) await l.store.remove(l.id);
      c.deleted = true;
      freed += c.storageBytes + c.indexBytes + c.deadLetterBytes;
    }
    if (!this.jsonEnabled()) this.log(`Deleted ${doomed.length} run(s), ${human(freed)} freed.`);
    return { dryRun: false, runs: chosen, freedBytes: freed };
  }
}
