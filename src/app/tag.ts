/** restic's `tag`: change the tags of snapshots by saving each anew (with `original` set) and deleting the old file. */
import type { Snapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import { filterSnapshots, listSnapshots, saveSnapshot } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter, namedSnapshots, skipDamagedSnapshots } from './snapshots.js';

export interface TagChange {
  set?: string[];
  add?: string[];
  remove?: string[];
}

/** The new tags, or undefined when nothing changes (restic's changeTags: `--set ''` means no tags). */
export function changedTags(tags: readonly string[] | undefined, change: TagChange): string[] | undefined {
  const before = tags ?? [];
  if (change.set !== undefined && change.set.length > 0) {
    return change.set.length === 1 && change.set[0] === '' ? [] : [...change.set];
  }
  let after = [...before];
  for (const t of change.add ?? []) if (!after.includes(t)) after.push(t);
  after = after.filter((t) => !(change.remove ?? []).includes(t));
  return after.length === before.length && after.every((t, i) => t === before[i]) ? undefined : after;
}

/**
 * Changes the tags of the named snapshots (all that pass the filter when none are named); returns how many changed.
 * Crash-safe as restic: the new snapshot file is stored before the old one is deleted, so a crash leaves both.
 */
export async function tagSnapshots(
  deps: AppDeps,
  opts: OpenOptions,
  req: { ids?: string[]; filter?: SnapshotFilter; change: TagChange },
): Promise<number> {
  const { set = [], add = [], remove = [] } = req.change;
  if (set.length > 0 && (add.length > 0 || remove.length > 0)) {
    throw new CairnError('invalid-argument', '--set and --add/--remove cannot be given at the same time.');
  }
  if (set.length === 0 && add.length === 0 && remove.length === 0) {
    throw new CairnError('invalid-argument', 'Nothing to do: give --set, --add or --remove.');
  }
  return withRepository(deps, opts, 'exclusive', async ({ repo }) => {
    const warn = (m: string): void => deps.warn(m);
    const snaps =
      req.ids !== undefined && req.ids.length > 0
        ? await namedSnapshots(repo, req.ids, req.filter, warn)
        : filterSnapshots(
            await listSnapshots(repo, skipDamagedSnapshots(warn)),
            compactFilter(req.filter ?? {}),
          );
    let changed = 0;
    for (const snap of snaps) {
      const tags = changedTags(snap.tags, req.change);
      if (tags === undefined) continue;
      const { id, ...doc } = snap;
      const next: Snapshot = { ...doc, original: snap.original ?? id };
      if (tags.length > 0) next.tags = tags;
      else delete next.tags;
      await saveSnapshot(repo, next);
      await repo.removeUnpacked('snapshots', id);
      changed++;
    }
    return changed;
  });
}
