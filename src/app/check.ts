import type { CheckStatus } from '../core/index.js';
import { check } from '../maintenance/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

export interface CheckRequest {
  readData?: boolean;
  readDataSubset?: string;
  /** Called as each step starts, with restic's wording ("load indexes", "check all packs"…). */
  onStep?: (message: string) => void;
}

export interface CheckOutcome {
  errors: string[];
  warnings: string[];
  damagedPacks: string[];
}

const STEP: Record<CheckStatus['phase'], string> = {
  index: 'load indexes',
  packs: 'check all packs',
  snapshots: 'check snapshots, trees and blobs',
  trees: 'check trees',
  'read-data': 'read all data',
};

export async function runCheck(deps: AppDeps, opts: OpenOptions, req: CheckRequest = {}): Promise<CheckOutcome> {
  const step = req.onStep ?? ((): void => undefined);
  // Like restic, check reads the repository itself, never the local cache: a cached copy could hide damage.
  const { cacheDir: _cache, ...uncached } = opts;
  step('create exclusive lock for repository');
  return withRepository(deps, uncached, 'exclusive', async ({ repo, signal }) => {
    let phase: CheckStatus['phase'] | undefined;
    const o: Parameters<typeof check>[1] = {
      signal,
      onProgress: (event) => {
        if (event.kind === 'check-status' && event.phase !== phase) {
          phase = event.phase;
          step(phase === 'read-data' && req.readDataSubset ? `read subset of data packs (${req.readDataSubset})` : STEP[phase]);
        }
        opts.onProgress?.(event);
      },
    };
    if (req.readData === true) o.readData = true;
    if (req.readDataSubset !== undefined) o.readDataSubset = req.readDataSubset;
    const r = await check(repo, o);
    return { errors: r.errors, warnings: r.warnings, damagedPacks: r.damagedPacks };
  });
}
