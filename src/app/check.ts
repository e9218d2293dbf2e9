import { check } from '../maintenance/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

export interface CheckRequest {
  readData?: boolean;
  readDataSubset?: string;
  /** Called before each step with restic's wording ("load indexes", "check all packs"…). */
  onStep?: (message: string) => void;
}

export interface CheckOutcome {
  errors: string[];
  warnings: string[];
  damagedPacks: string[];
}

export async function runCheck(
  deps: AppDeps,
  opts: OpenOptions,
  req: CheckRequest = {},
): Promise<CheckOutcome> {
  const step = req.onStep ?? ((): void => undefined);
  step('create exclusive lock for repository');
  return withRepository(deps, opts, 'exclusive', async ({ repo, signal }) => {
    step('load indexes');
    await repo.loadIndex();
    step('check all packs');
    step('check snapshots, trees and blobs');
    if (req.readData === true) step('read all data');
    else if (req.readDataSubset !== undefined) step(`read subset of data packs (${req.readDataSubset})`);
    const o: Parameters<typeof check>[1] = { signal };
    if (req.readData === true) o.readData = true;
    if (req.readDataSubset !== undefined) o.readDataSubset = req.readDataSubset;
    if (opts.onProgress) o.onProgress = opts.onProgress;
    const r = await check(repo, o);
    return { errors: r.errors, warnings: r.warnings, damagedPacks: r.damagedPacks };
  });
}
