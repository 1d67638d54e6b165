import { describe, expect, it } from 'vitest';
import {
  batchKey,
  bucketsOf,
  isTempFileName,
  metadataKey,
  parseBatchFileName,
  validateKey,
} from '../../../src/pipeline/resources/storage-keys.js';
import { validateRunId } from '../../../src/pipeline/contracts/run-id.js';

describe('storage keys', () => {
  it('formats batch keys with buckets and 19-digit ticks', () => {
    expect(batchKey('run1', 123_456_789, 123_456_799)).toBe(
      'run1/raw/001/234/batch_0000000000123456789_0000000000123456799.pb.zst',
    );
    expect(batchKey('run1', 0, 9)).toBe('run1/raw/000/000/batch_0000000000000000000_0000000000000000009.pb.zst');
    expect(metadataKey('run1')).toBe('run1/raw/metadata.pb.zst');
    expect(bucketsOf(99_999, [100_000_000, 100_000])).toEqual(['000', '000']);
  });

  it('parses batch names and recognises temp files', () => {
    expect(parseBatchFileName('batch_0000000000000000010_0000000000000000019.pb.zst')).toEqual({
      firstTick: 10,
      lastTick: 19,
    });
    expect(parseBatchFileName('batch_1_2.pb.zst')).toBeUndefined();
    expect(isTempFileName('.batch_x.pb.zst.123.abc.tmp')).toBe(true);
    expect(isTempFileName('batch_0000000000000000010_0000000000000000019.pb.zst')).toBe(false);
  });

  it('rejects unsafe keys and run ids', () => {
    for (const bad of ['', '/abs/path', '../x', 'a/../b', 'a//b', 'C:/x', 'a\\b', 'a\u0001b', 'a/./b', 'a?b'])
      expect(() => validateKey(bad), bad).toThrow(/Invalid storage key/);
    expect(validateKey('run/raw/000/000/batch.pb.zst')).toBe('run/raw/000/000/batch.pb.zst');
    for (const bad of ['', '..', 'a/b', '-x', 'a b'])
      expect(() => validateRunId(bad), bad).toThrow(/Invalid simulation run id/);
    expect(() => batchKey('r', 10, 5)).toThrow(RangeError);
  });
});
