import type { StoredSnapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { restore } from '../restorer/index.js';
import { findSnapshot } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter, skipDamagedSnapshots } from './snapshots.js';

/** `SNAPSHOT[:SUBFOLDER]` → the snapshot reference and the optional path inside it. */
export function parseSnapshotRef(arg: string): { ref: string; subPath?: string } {
  const i = arg.indexOf(':');
  if (i < 0) return { ref: arg };
  const ref = arg.slice(0, i);
  const sub = arg.slice(i + 1);
  if (ref === '') throw new CairnError('invalid-argument', `"${arg}" names no snapshot before the ":".`);
  return sub === '' ? { ref } : { ref, subPath: sub };
}

/**
 * Finds one snapshot by id, unique prefix or 'latest' (the filter narrows 'latest'). With `warn`, 'latest' skips
 * damaged snapshot files, naming each.
 */
export async function resolveSnapshot(
  repo: Repository,
  ref: string,
  filter?: SnapshotFilter,
  warn?: (message: string) => void,
): Promise<StoredSnapshot> {
  const list = warn === undefined ? undefined : skipDamagedSnapshots(warn);
  return findSnapshot(repo, ref, compactFilter(filter ?? {}), list);
}

export interface RestoreRequest {
  snapshot: string;
  target: string;
  filter?: SnapshotFilter;
  include?: string[];
  exclude?: string[];
  iinclude?: string[];
  iexclude?: string[];
  verify?: boolean;
  dryRun?: boolean;
  /** Leave all-zero blobs as holes (restic's `--sparse`). */
  sparse?: boolean;
}

export interface RestoreOutcome {
  snapshot: StoredSnapshot;
  filesRestored: number;
  dirsRestored: number;
  bytesRestored: number;
  errors: { item: string; message: string }[];
  verifyFailures: { item: string; message: string }[];
}

export async function runRestore(
  deps: AppDeps,
  opts: OpenOptions,
  req: RestoreRequest,
): Promise<RestoreOutcome> {
  if (req.target === '')
    throw new CairnError('invalid-argument', 'Please give a target folder with --target.');
  const { ref, subPath } = parseSnapshotRef(req.snapshot);
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo, signal }) => {
      await repo.loadIndex();
      const snapshot = await resolveSnapshot(repo, ref, req.filter, (m) => deps.warn(m));
      const o: Parameters<typeof restore>[2] = { target: req.target, signal, clock: deps.clock };
      if (subPath !== undefined) o.subPath = subPath;
      if (req.include?.length) o.include = req.include;
      if (req.exclude?.length) o.exclude = req.exclude;
      if (req.iinclude?.length) o.iinclude = req.iinclude;
      if (req.iexclude?.length) o.iexclude = req.iexclude;
      if (req.verify === true) o.verify = true;
      if (req.dryRun === true) o.dryRun = true;
      if (req.sparse === true) o.sparse = true;
      if (opts.onProgress) o.onProgress = opts.onProgress;
      const r = await restore(repo, snapshot, o);
      return { snapshot, ...r };
    },
    { readOnly: true },
  );
}
