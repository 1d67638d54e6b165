/**
 * Register banks. A REGISTER molecule stores a register id; banks are spaced 256 apart so that the bank
 * is `id >> 8` and the index within it is `id & 0xff`.
 */

export interface RegisterBank {
  readonly name: 'DR' | 'LR' | 'PDR' | 'PLR' | 'FDR' | 'FLR' | 'SDR' | 'SLR';
  readonly base: number;
  readonly count: number;
  /** Location banks hold vectors only. */
  readonly location: boolean;
}

export const REGISTER_BANKS: readonly RegisterBank[] = [
  { name: 'DR', base: 0, count: 8, location: false },
  { name: 'LR', base: 256, count: 4, location: true },
  { name: 'PDR', base: 512, count: 8, location: false },
  { name: 'PLR', base: 768, count: 4, location: true },
  { name: 'FDR', base: 1024, count: 8, location: false },
  { name: 'FLR', base: 1280, count: 4, location: true },
  { name: 'SDR', base: 1536, count: 8, location: false },
  { name: 'SLR', base: 1792, count: 4, location: true },
];

export const REGISTER_BANK_STRIDE = 256;

export function bankOf(id: number): RegisterBank | undefined {
  const bank = REGISTER_BANKS[id >> 8];
  if (bank === undefined || id < 0) return undefined;
  return (id & 0xff) < bank.count ? bank : undefined;
}

/** `%DR3` → 3, `%LR1` → 257; undefined for names that are not registers. */
export function registerIdByName(name: string): number | undefined {
  const m = /^%?([A-Z]+)(\d+)$/i.exec(name);
  if (!m) return undefined;
  const bank = REGISTER_BANKS.find((b) => b.name === m[1]!.toUpperCase());
  const index = Number(m[2]);
  if (!bank || index >= bank.count) return undefined;
  return bank.base + index;
}

export function registerName(id: number): string {
  const bank = bankOf(id);
  return bank ? `%${bank.name}${id & 0xff}` : `%?${id}`;
}
