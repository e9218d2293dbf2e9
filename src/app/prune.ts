import type { PruneOptions, PruneResult } from '../maintenance/index.js';
import { prune } from '../maintenance/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

export type PruneRequest = Omit<PruneOptions, 'signal'>;

/**
 * `prune` under an exclusive lock (a lock held by anyone else makes it fail naming the holder, before anything
 * is read). The index is loaded once the lock holds, so it is the one prune rewrites.
 */
export function runPrune(deps: AppDeps, opts: OpenOptions, req: PruneRequest): Promise<PruneResult> {
  return withRepository(deps, opts, 'exclusive', ({ repo, signal }) => prune(repo, { ...req, signal }), {
    preloadIndex: true,
  });
}
