/**
 * Where a run's analytics live, relative to its analytics root (`<runId>/analytics/` in storage):
 *   parts/part_<first19>_<last19>.json           the part's manifest, written last: a part exists once it does
 *   <table>/lod<level>/part_<first19>_<last19>.parquet   one file per table and level of detail
 * Zero-padded ticks make lexical order tick order.
 */
import { pad19 } from '../resources/storage-keys.js';

export const PARTS_DIR = 'parts';
const PART_FILE = /^part_(\d{19})_(\d{19})\.json$/;

export function partName(firstTick: number, lastTick: number): string {
  return `part_${pad19(firstTick)}_${pad19(lastTick)}`;
}

export function manifestPath(part: string): string {
  return `${PARTS_DIR}/${part}.json`;
}

export function tableFilePath(table: string, level: number, part: string): string {
  return `${table}/lod${level}/${part}.parquet`;
}

/** The ticks of a manifest file name, or undefined for another file. */
export function parseManifestName(name: string): { firstTick: number; lastTick: number } | undefined {
  const m = PART_FILE.exec(name);
  return m ? { firstTick: Number(m[1]), lastTick: Number(m[2]) } : undefined;
}
