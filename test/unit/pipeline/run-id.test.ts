import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunId, newRunId, RUN_ID_MAX_LENGTH, validateRunId } from '../../../src/pipeline/contracts/run-id.js';
import { batchKey, metadataKey } from '../../../src/pipeline/resources/storage-keys.js';
import { SqliteIndexDatabase } from '../../../src/pipeline/resources/index-db/sqlite-index-database.js';
import { schemaNameOf } from '../../../src/pipeline/resources/postgres/postgres-index-database.js';

describe('one run-id rule for storage, index and API', () => {
  const longest = `r${'x'.repeat(RUN_ID_MAX_LENGTH - 1)}`;
  const tooLong = `${longest}x`;

  it('accepts new ids and the longest id everywhere, and refuses one character more everywhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evo-runid-'));
    const db = new SqliteIndexDatabase('index', { directory: 'index' }, dir);
    try {
      for (const id of [newRunId(), longest]) {
        expect(isRunId(id)).toBe(true);
        expect(validateRunId(id)).toBe(id);
        expect(metadataKey(id)).toContain(id);
        expect(batchKey(id, 0, 9)).toContain(id);
        expect(db.pathOf(id)).toContain(id);
        expect(schemaNameOf(id)).toMatch(/^run_/);
      }
      // Before the rule was one, 201 characters passed the index and the API and then failed in storage.
      expect(isRunId(tooLong)).toBe(false);
      for (const use of [
        () => validateRunId(tooLong),
        () => metadataKey(tooLong),
        () => db.pathOf(tooLong),
        () => schemaNameOf(tooLong),
      ])
        expect(use).toThrow(expect.objectContaining({ code: 'INVALID_RUN_ID' }));
    } finally {
      void db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses names that are not plain folder names', () => {
    for (const bad of ['', '.', '..', '-x', '.hidden', 'a/b', 'a b', 'a\\b', 'ü'])
      expect(isRunId(bad), bad).toBe(false);
  });
});
