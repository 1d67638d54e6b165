import { Flags } from '@oclif/core';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { EvochoraCommand, storageDirFlags } from '../src/cli/base-command.js';
import { CliErrorCode } from '../src/cli/error-codes.js';
import { EvochoraError } from '../src/errors.js';
import { ExitCode } from '../src/exit-codes.js';
import { FileSystemStorage } from '../src/pipeline/resources/file-system-storage.js';
import { storageRootOf } from '../src/pipeline/resources/storage-locations.js';
import { RunNotFoundError } from '../src/pipeline/api/batch-storage.js';

interface Candidate {
  runId: string;
  startTimeMs: number;
  /** Newest write under the run's storage folder (a run written to lately may be recording). */
  lastWriteMs: number;
  storageBytes: number;
  indexBytes: number;
  deleted: boolean;
  skipped: string | null;
}

export interface CleanupResult {
  dryRun: boolean;
  runs: Candidate[];
  freedBytes: number;
}

/** Folders and files being removed carry this prefix: every listing skips names starting with '.'. */
const DELETING = '.deleting-';

function sizeAndNewest(path: string): { bytes: number; newest: number } {
  let bytes = 0;
  let newest = 0;
  if (!existsSync(path)) return { bytes, newest };
  const st = statSync(path);
  if (!st.isDirectory()) return { bytes: st.size, newest: st.mtimeMs };
  for (const e of readdirSync(path)) {
    const r = sizeAndNewest(join(path, e));
    bytes += r.bytes;
    newest = Math.max(newest, r.newest);
  }
  return { bytes, newest: Math.max(newest, st.mtimeMs) };
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
  static override summary = 'Delete recorded runs: storage, analytics and index, with sizes, after asking.';
  static override description =
    "Selects runs by id, age or count, lists what would go (storage with its analytics, the run's SQLite index) with sizes, and deletes after a confirmation (or --yes). A run written to within --active-within seconds may be recording and is left alone. Each run is first renamed out of every listing, then removed, so a crash midway never leaves a half-deleted run visible; leftovers of an interrupted cleanup are removed by the next.";
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
    'index-dir': Flags.string({ description: 'Index directory instead of <data-dir>/index.' }),
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
    const root = storageRootOf(config.node.dataDir, flags['storage-dir']);
    const indexDir = flags['index-dir'] ? resolve(flags['index-dir']) : resolve(config.node.dataDir, 'index');
    // Leftovers of an interrupted cleanup.
    for (const dir of [root, indexDir])
      if (existsSync(dir))
        for (const e of readdirSync(dir))
          if (e.startsWith(DELETING)) rmSync(join(dir, e), { recursive: true, force: true });
    const storage = new FileSystemStorage('cleanup', { rootDirectory: root, compressInWorker: false });
    const all: Candidate[] = [];
    for (const runId of await storage.listRunIds()) {
      const s = sizeAndNewest(join(root, runId));
      let startTimeMs = s.newest;
      try {
        startTimeMs = Number((await storage.readMetadata(runId)).startTimeMs) || s.newest;
      } catch {
        // no metadata: the folder's newest write stands in
      }
      const indexBytes = ['', '-wal', '-shm'].reduce(
        (n, x) => n + sizeAndNewest(join(indexDir, `${runId}.sqlite${x}`)).bytes,
        0,
      );
      all.push({
        runId,
        startTimeMs,
        lastWriteMs: s.newest,
        storageBytes: s.bytes,
        indexBytes,
        deleted: false,
        skipped: null,
      });
    }
    for (const id of flags.run ?? []) if (!all.some((c) => c.runId === id)) throw new RunNotFoundError(id, root);
    all.sort((a, b) => b.startTimeMs - a.startTimeMs);
    const now = Date.now();
    const chosen = all.filter((c, i) => {
      if (flags.run?.includes(c.runId)) return true;
      if (flags['older-than'] && now - c.startTimeMs > durationMs(flags['older-than'])) return true;
      return flags['keep-last'] !== undefined && i >= flags['keep-last'];
    });
    for (const c of chosen)
      if (now - c.lastWriteMs < flags['active-within'] * 1000)
        c.skipped = `written ${Math.round((now - c.lastWriteMs) / 1000)} s ago: it may be recording (see --active-within)`;
    const doomed = chosen.filter((c) => !c.skipped);
    const total = doomed.reduce((n, c) => n + c.storageBytes + c.indexBytes, 0);
    if (!this.jsonEnabled()) {
      for (const c of chosen)
        this.log(
          `${c.skipped ? 'keep  ' : 'delete'}  ${c.runId}  storage ${human(c.storageBytes)}  index ${human(c.indexBytes)}${c.skipped ? `  (${c.skipped})` : ''}`,
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
      const stamp = `${DELETING}${c.runId}-${process.pid}`;
      // Out of every listing first (one rename each), then removed.
      const moved: string[] = [];
      if (existsSync(join(root, c.runId))) {
        renameSync(join(root, c.runId), join(root, stamp));
        moved.push(join(root, stamp));
      }
      for (const x of ['', '-wal', '-shm']) {
        const f = join(indexDir, `${c.runId}.sqlite${x}`);
        if (existsSync(f)) {
          renameSync(f, join(indexDir, `${stamp}.sqlite${x}`));
          moved.push(join(indexDir, `${stamp}.sqlite${x}`));
        }
      }
      for (const m of moved) rmSync(m, { recursive: true, force: true });
      c.deleted = true;
      freed += c.storageBytes + c.indexBytes;
    }
    if (!this.jsonEnabled()) this.log(`Deleted ${doomed.length} run(s), ${human(freed)} freed.`);
    return { dryRun: false, runs: chosen, freedBytes: freed };
  }
}
