import { CairnError, type StoredSnapshot } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { listNodes } from '../restorer/index.js';
import { Reservoir, seededRandom } from '../util/index.js';

/** Which entries a drill restores: all of them, a percentage, or a number, chosen at random. */
export type DrillSample = { kind: 'all' } | { kind: 'percent'; percent: number } | { kind: 'count'; count: number };

/** `--sample`: `10%` (more than 0, at most 100) or a whole number of files (at least 1). */
export function parseDrillSample(text: string): DrillSample {
  const s = text.trim();
  const percent = /^(\d+(?:\.\d*)?|\.\d+)%$/.exec(s);
  if (percent) {
    const p = Number(percent[1]);
    if (p > 0 && p <= 100) return { kind: 'percent', percent: p };
  } else if (/^\d+$/.test(s) && Number(s) >= 1 && Number.isSafeInteger(Number(s))) {
    return { kind: 'count', count: Number(s) };
  }
  throw new CairnError(
    'invalid-argument',
    `Invalid --sample "${text}": use a percentage above 0% and at most 100% (like 10%) or a number of files of at least 1.`,
  );
}

export function describeSample(sample: DrillSample): string {
  if (sample.kind === 'all') return 'all';
  return sample.kind === 'percent' ? `${sample.percent}%` : String(sample.count);
}

/** Entries a restore creates apart from folders (sockets are never restored). */
async function* restorable(repo: Repository, snapshot: StoredSnapshot, signal?: AbortSignal): AsyncGenerator<string> {
  for await (const { path, node } of listNodes(repo, snapshot, signal === undefined ? {} : { signal })) {
    if (node.type !== 'dir' && node.type !== 'socket') yield path;
  }
}

/**
 * Picks the sampled entries uniformly at random, the same ones for the same seed: the walk order of a snapshot
 * never changes. A percentage is rounded up, so that a sample of a non-empty snapshot is never empty.
 */
export async function pickSample(
  repo: Repository,
  snapshot: StoredSnapshot,
  sample: Exclude<DrillSample, { kind: 'all' }>,
  seed: string,
  signal?: AbortSignal,
): Promise<{ paths: Set<string>; total: number }> {
  let size: number;
  if (sample.kind === 'count') {
    size = sample.count;
  } else {
    let total = 0;
    for await (const _ of restorable(repo, snapshot, signal)) total++;
    size = Math.ceil((total * sample.percent) / 100);
  }
  const reservoir = new Reservoir<string>(size, seededRandom(seed));
  for await (const path of restorable(repo, snapshot, signal)) reservoir.offer(path);
  return { paths: new Set(reservoir.items()), total: reservoir.count };
}
