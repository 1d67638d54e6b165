/** Where the default node configuration keeps runs and dead letters, for commands that read them offline. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function storageRootOf(dataDir: string, storageDir?: string): string {
  return storageDir ? resolve(storageDir) : resolve(dataDir, 'storage');
}

/** Every DLQ directory under `<dataDir>/dlq/` (one per FileSystemDeadLetterQueue resource). */
export function deadLetterDirsOf(dataDir: string, name?: string): Array<{ name: string; directory: string }> {
  const base = resolve(dataDir, 'dlq');
  if (name) return [{ name, directory: join(base, name) }];
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({ name: e.name, directory: join(base, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
