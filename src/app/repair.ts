import type { Id, StoredSnapshot } from '../core/index.js';
import { CairnError, isCairnError } from '../core/index.js';
import type { RepairIndexOptions, RepairIndexResult, RepairSnapshotsOptions, RepairSnapshotsResult } from '../maintenance/index.js';
import { repairIndex, repairSnapshots } from '../maintenance/index.js';
import { filterSnapshots, findSnapshot, listSnapshots } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter, skipDamagedSnapshots } from './snapshots.js';

export type RepairIndexRequest = Omit<RepairIndexOptions, 'signal'>;

/** `repair index` (`rebuild-index`) under an exclusive lock; it loads the index itself, past damaged index files. */
export function runRepairIndex(deps: AppDeps, opts: OpenOptions, req: RepairIndexRequest): Promise<RepairIndexResult> {
  return withRepository(deps, opts, 'exclusive', ({ repo, signal }) => repairIndex(repo, { ...req, signal }));
}

export interface RepairSnapshotsRequest extends Omit<RepairSnapshotsOptions, 'signal'> {
  /** These snapshots (ids, id prefixes or `latest`); all that match the filter when empty. */
  snapshots?: string[];
  filter?: SnapshotFilter;
}

/**
 * `repair snapshots` under an exclusive lock (a dry run takes a shared one and honours --no-lock). The index is
 * loaded once the lock holds; a damaged index file stops it, saying that `repair index` must run first.
 */
export function runRepairSnapshots(
  deps: AppDeps,
  opts: OpenOptions,
  req: RepairSnapshotsRequest,
): Promise<RepairSnapshotsResult> {
  const dryRun = req.dryRun === true;
  return withRepository(
    deps,
    opts,
    dryRun ? 'shared' : 'exclusive',
    async ({ repo, signal }) => {
      await repo.loadIndex().catch((err: unknown) => {
        if (!isCairnError(err, 'corrupt')) throw err;
        throw new CairnError('corrupt', `${err.message.replace(/\.$/, '')}; run \`cairn repair index\` first.`, { cause: err });
      });
      const filter = compactFilter(req.filter ?? {});
      const skip = skipDamagedSnapshots((m) => deps.warn(m));
      let chosen: StoredSnapshot[];
      if (req.snapshots !== undefined && req.snapshots.length > 0) {
        const seen = new Set<Id>();
        chosen = [];
        for (const ref of req.snapshots) {
          const s = await findSnapshot(repo, ref, filter, skip);
          if (!seen.has(s.id)) chosen.push(s);
          seen.add(s.id);
        }
      } else {
        chosen = filterSnapshots(await listSnapshots(repo, skip), filter);
      }
      const { snapshots: _refs, filter: _filter, ...rest } = req;
      return repairSnapshots(repo, chosen, { ...rest, signal });
    },
    { readOnly: dryRun },
  );
}
