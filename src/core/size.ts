import { CairnError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "1K", "2M", "3G", "4T" (powers of 1024), plain numbers are bytes — restic's size syntax. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^\s*(\d+)\s*([bBkKmMgGtT]?)\s*$/.exec(text);
  if (!m)
    throw new CairnError('invalid-argument', `${flag} "${text}" is not a size like 500, 1K, 2M, 3G or 4T.`);
  const n = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(n)) throw new CairnError('invalid-argument', `${flag} "${text}" is too large.`);
  return n;
}
