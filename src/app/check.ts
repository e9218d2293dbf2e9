import fs from 'node:fs/promises';
import path from 'node:path';
import type { CheckStatus } from '../core/index.js';
import type { AffectedPath, ReadDataSubset } from '../maintenance/index.js';
import { check, parseReadDataSubset } from '../maintenance/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

export interface CheckRequest {
  readData?: boolean;
  readDataSubset?: string;
  /** Use (and refresh) the local cache; without it check reads the repository itself through a fresh temporary cache. */
  withCache?: boolean;
  /** At most this many affected snapshot paths are listed (default 100). */
  affectedLimit?: number;
  /** Called as each step starts, with restic's wording ("load indexes", "check all packs"…). */
  onStep?: (message: string) => void;
}

export interface CheckOutcome {
  errors: string[];
  warnings: string[];
  damagedPacks: string[];
  missingPacks: string[];
  affected: AffectedPath[];
  affectedTotal: number;
}

const STEP: Record<CheckStatus['phase'], string> = {
  index: 'load indexes',
  packs: 'check all packs',
  snapshots: 'check snapshots, trees and blobs',
  trees: 'check trees',
  'read-data': 'read all data',
  affected: 'find the snapshots and files that use damaged or missing data',
};

/**
 * restic's rule: without --with-cache, check gets a fresh cache in a temporary folder inside the cache folder, so a
 * stale or damaged local copy cannot hide what the repository holds; it is removed afterwards. A cache folder that
 * cannot take it means no cache at all. With --no-cache there is none either way.
 */
async function checkCache(
  opts: OpenOptions,
  withCache: boolean,
  step: (m: string) => void,
): Promise<{ opts: OpenOptions; cleanup: () => Promise<void> }> {
  const { cacheDir, ...uncached } = opts;
  const none = async (): Promise<void> => undefined;
  if (cacheDir === undefined || withCache) return { opts, cleanup: none };
  let temp: string;
  try {
    await fs.mkdir(cacheDir, { recursive: true, mode: 0o700 });
    temp = await fs.mkdtemp(path.join(cacheDir, 'cairn-check-cache-'));
  } catch {
    step('unable to create a temporary cache folder for check, disabling the cache');
    return { opts: uncached, cleanup: none };
  }
  step(`using temporary cache in ${temp}`);
  return { opts: { ...uncached, cacheDir: temp }, cleanup: () => fs.rm(temp, { recursive: true, force: true }) };
}

/** restic's line for the read step: which group or share of the packs is read, and how many packs that is. */
function readStep(subset: ReadDataSubset | undefined, toRead: number, allPacks: number): string {
  if (subset === undefined) return STEP['read-data'];
  switch (subset.kind) {
    case 'bucket':
      return `read group #${subset.n} of ${toRead} data packs (out of total ${allPacks} packs in ${subset.t} groups)`;
    case 'percent':
      return `read ${subset.percent.toFixed(1)}% of data packs (${toRead} of ${allPacks} packs)`;
    case 'size':
      return `read ${subset.bytes} bytes of data packs (${toRead} of ${allPacks} packs)`;
  }
}

export async function runCheck(deps: AppDeps, opts: OpenOptions, req: CheckRequest = {}): Promise<CheckOutcome> {
  const step = req.onStep ?? ((): void => undefined);
  // Bad input is refused before the repository is opened or anything is created.
  const subset = req.readDataSubset === undefined ? undefined : parseReadDataSubset(req.readDataSubset);
  const cache = await checkCache(opts, req.withCache === true, step);
  try {
    step('create exclusive lock for repository');
    return await withRepository(deps, cache.opts, 'exclusive', async ({ repo, signal }) => {
      let phase: CheckStatus['phase'] | undefined;
      let allPacks = 0;
      const o: Parameters<typeof check>[1] = {
        signal,
        onProgress: (event) => {
          if (event.kind === 'check-status' && event.phase === 'packs') allPacks = Math.max(allPacks, event.total);
          if (event.kind === 'check-status' && event.phase !== phase) {
            phase = event.phase;
            step(phase === 'read-data' ? readStep(subset, event.total, allPacks) : STEP[phase]);
          }
          opts.onProgress?.(event);
        },
      };
      if (req.readData === true) o.readData = true;
      if (req.readDataSubset !== undefined) o.readDataSubset = req.readDataSubset;
      if (req.affectedLimit !== undefined) o.affectedLimit = req.affectedLimit;
      const r = await check(repo, o);
      return {
        errors: r.errors,
        warnings: r.warnings,
        damagedPacks: r.damagedPacks,
        missingPacks: r.missingPacks,
        affected: r.affected,
        affectedTotal: r.affectedTotal,
      };
    });
  } finally {
    await cache.cleanup().catch(() => undefined);
  }
}
