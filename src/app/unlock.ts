import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

/**
 * Removes stale locks, or every lock with `removeAll`. It takes no lock itself: its whole job is to clear locks
 * that would stop it.
 */
export async function unlockRepository(deps: AppDeps, opts: OpenOptions, removeAll = false): Promise<number> {
  return withRepository(deps, opts, 'none', async ({ repo }) => repo.removeLocks({ staleOnly: !removeAll }));
}
