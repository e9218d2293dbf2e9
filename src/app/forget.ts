import type { Id, StoredSnapshot } from '../core/index.js';
import { CairnError, throwIfAborted } from '../core/index.js';
import type { GroupBy, GroupKey, KeepReason, RetentionPolicy } from '../maintenance/index.js';
import type { PruneResult } from '../maintenance/index.js';
import { applyPolicy, groupSnapshots, isEmptyPolicy, prune } from '../maintenance/index.js';
import { filterSnapshots, findSnapshot, listSnapshots, localOffsetSeconds } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import type { PruneRequest } from './prune.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter } from './snapshots.js';

export interface ForgetRequest {
  /** Forget exactly these snapshots (ids, id prefixes or `latest`); the policy is then not used. */
  snapshots?: string[];
  filter?: SnapshotFilter;
  policy: RetentionPolicy;
  groupBy: GroupBy;
  dryRun?: boolean;
  /** `--allow-empty`: a policy may remove every snapshot of a group (an empty policy is still refused). */
  allowEmpty?: boolean;
  /** restic's `--unsafe-allow-remove-all`: an empty policy removes every selected snapshot, and a policy may empty a group. */
  unsafeAllowRemoveAll?: boolean;
  /** `--prune`: once snapshots were removed (or would be, in a dry run), prune in the same session, under the same lock. */
  prune?: PruneRequest;
  /** Called with the decisions once the snapshots are removed, before any pruning (front ends print them then). */
  onForgotten?: (outcome: ForgetOutcome) => void;
}

export interface ForgetGroup {
  key: GroupKey;
  /** Newest first. */
  keep: StoredSnapshot[];
  remove: StoredSnapshot[];
  reasons: KeepReason<StoredSnapshot>[];
}

export interface ForgetOutcome {
  /** One per group when a policy was applied; empty when snapshots were named. */
  groups: ForgetGroup[];
  /** The snapshots removed (or, with dryRun, that would be), sorted by id. */
  removed: Id[];
  dryRun: boolean;
  /** What `prune` did, when it ran. */
  pruned?: PruneResult;
}

export const EMPTY_POLICY_MESSAGE = 'no policy was specified, no snapshots will be removed.';

/** restic's `SnapshotGroupKey.String()`: "host h, path [/a /b], tags [x]". */
export function groupKeyText(key: GroupKey): string {
  const parts: string[] = [];
  if (key.host !== '') parts.push(`host ${key.host}`);
  if (key.paths && key.paths.length > 0) parts.push(`path [${key.paths.join(' ')}]`);
  if (key.tags && key.tags.length > 0) parts.push(`tags [${key.tags.join(' ')}]`);
  return parts.join(', ');
}

function isEmptyFilter(f: SnapshotFilter): boolean {
  return Object.keys(compactFilter(f)).length === 0;
}

/** Decides per group; refuses, before anything is deleted, a policy that is empty or that empties a group. */
function decide(all: StoredSnapshot[], req: ForgetRequest, now: bigint): ForgetGroup[] {
  const filter = req.filter ?? {};
  const empty = isEmptyPolicy(req.policy);
  const unsafe = req.unsafeAllowRemoveAll === true;
  if (empty && !unsafe) throw new CairnError('invalid-argument', EMPTY_POLICY_MESSAGE);
  if (empty && isEmptyFilter(filter)) {
    throw new CairnError(
      'invalid-argument',
      '--unsafe-allow-remove-all is not allowed unless a snapshot filter option (--host, --tag, --path) is given.',
    );
  }
  const selected = filterSnapshots(all, compactFilter(filter));
  return groupSnapshots(selected, req.groupBy).map(({ key, snapshots }) => {
    if (empty) return { key, keep: [], remove: snapshots.toReversed(), reasons: [] };
    const r = applyPolicy(snapshots, req.policy, { now, localOffset: localOffsetSeconds });
    if (r.keep.length === 0 && !unsafe && req.allowEmpty !== true) {
      throw new CairnError(
        'invalid-argument',
        `refusing to delete the last snapshot of the group "${groupKeyText(key)}" (--allow-empty allows it).`,
      );
    }
    return { key, ...r };
  });
}

/**
 * restic's `forget`: applies a retention policy per group (or takes the named snapshots) and deletes the snapshot
 * files it does not keep, under an exclusive lock. Each deletion is one independent file removal, so an
 * interruption leaves every snapshot either whole or gone; the data stays until `prune`.
 */
export async function forgetSnapshots(deps: AppDeps, opts: OpenOptions, req: ForgetRequest): Promise<ForgetOutcome> {
  const dryRun = req.dryRun === true;
  if (opts.noLock === true && !dryRun) {
    throw new CairnError('invalid-argument', '--no-lock is only allowed together with --dry-run for forget.');
  }
  return withRepository(
    deps,
    opts,
    'exclusive',
    async ({ repo, signal }) => {
      let groups: ForgetGroup[] = [];
      let doomed: Id[];
      if (req.snapshots !== undefined && req.snapshots.length > 0) {
        const filter = compactFilter(req.filter ?? {});
        const found = new Set<Id>();
        for (const ref of req.snapshots) found.add((await findSnapshot(repo, ref, filter)).id);
        doomed = [...found];
      } else {
        groups = decide(await listSnapshots(repo), req, deps.clock.nowNs());
        doomed = groups.flatMap((g) => g.remove.map((s) => s.id));
      }
      doomed.sort();
      if (!dryRun) {
        for (const id of doomed) {
          throwIfAborted(signal);
          await repo.removeUnpacked('snapshots', id);
        }
      }
      const outcome: ForgetOutcome = { groups, removed: doomed, dryRun };
      req.onForgotten?.(outcome);
      // As restic: prune only when snapshots went, and with the repository already open (one key derivation) and
      // locked (nobody can add a snapshot using the data between the two steps).
      if (req.prune !== undefined && doomed.length > 0) {
        await repo.loadIndex();
        outcome.pruned = await prune(repo, { ...req.prune, signal });
      }
      return outcome;
    },
    { readOnly: dryRun },
  );
}
