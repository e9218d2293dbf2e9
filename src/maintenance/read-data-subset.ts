import type { Id } from '../core/index.js';
import { CairnError } from '../core/index.js';

/** restic's `--read-data-subset`: bucket n of t, a random percentage of packs, or random packs of about a size. */
export type ReadDataSubset =
  | { kind: 'bucket'; n: number; t: number }
  | { kind: 'percent'; percent: number }
  | { kind: 'size'; bytes: number };

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function invalid(text: string): CairnError {
  return new CairnError(
    'invalid-argument',
    `Invalid --read-data-subset "${text}": use n/t (1 <= n <= t <= 256), a percentage like 10% or a size like 500M.`,
  );
}

/** Parses 'n/t', 'x%' or a size such as '500M' (units b, k, m, g, t of 1024, as restic). */
export function parseReadDataSubset(text: string): ReadDataSubset {
  const s = text.trim();
  const bucket = /^(\d+)\/(\d+)$/.exec(s);
  if (bucket) {
    const n = Number(bucket[1]);
    const t = Number(bucket[2]);
    if (n < 1 || t < 1 || n > t || t > 256) throw invalid(text);
    return { kind: 'bucket', n, t };
  }
  const percent = /^(\d+(?:\.\d*)?|\.\d+)%$/.exec(s);
  if (percent) {
    const p = Number(percent[1]);
    if (!(p > 0 && p <= 100)) throw invalid(text);
    return { kind: 'percent', percent: p };
  }
  const size = /^(\d+)([bkmgt]?)$/i.exec(s);
  if (size) {
    const bytes = Number(size[1]) * (SIZE_UNITS[(size[2] ?? '').toLowerCase()] ?? 1);
    if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw invalid(text);
    return { kind: 'size', bytes };
  }
  throw invalid(text);
}

function randomPick(packIds: readonly Id[], percent: number, random: () => number): Id[] {
  // restic: floor(count × p/100) packs, at least one when there are packs at all.
  let count = Math.floor((packIds.length * percent) / 100);
  if (packIds.length > 0 && count < 1) count = 1;
  count = Math.min(count, packIds.length);
  const pool = [...packIds];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as Id, pool[i] as Id];
  }
  return pool.slice(0, count).sort();
}

/**
 * The packs a subset names, from all packs and their sizes. Bucket n of t holds the packs whose id's first byte
 * mod t is n − 1, so running 1/t … t/t reads every pack once. A size is turned into a percentage of the total.
 */
export function selectPacks(
  packs: ReadonlyMap<Id, number>,
  subset: ReadDataSubset,
  random: () => number = Math.random,
): Id[] {
  const ids = [...packs.keys()].sort();
  switch (subset.kind) {
    case 'bucket':
      return ids.filter((id) => parseInt(id.slice(0, 2), 16) % subset.t === subset.n - 1);
    case 'percent':
      return randomPick(ids, subset.percent, random);
    case 'size': {
      let total = 0;
      for (const size of packs.values()) total += size;
      if (total === 0) return [];
      return randomPick(ids, Math.min(100, (subset.bytes / total) * 100), random);
    }
  }
}
