import type { StoredSnapshot } from '../core/index.js';
import { restore, type RestoreOptions } from '../restorer/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { describeSample, pickSample, type DrillSample } from './drill-sample.js';
import { prepareDrillTarget, removeDrillTarget } from './drill-target.js';
import { withRepository } from './open.js';
import { resolveSnapshot } from './restore.js';
import type { SnapshotFilter } from './snapshots.js';

export interface DrillRequest {
  /** Snapshot id, unique prefix or 'latest' (narrowed by `filter`). */
  snapshot: string;
  filter?: SnapshotFilter;
  /** Default: every entry. */
  sample?: DrillSample;
  /** Seed of the random sample; default: the snapshot id, so that repeated drills check the same files. */
  seed?: string;
  /** Restore here (missing or empty) instead of a new temporary folder. */
  target?: string;
}

export interface DrillProblem {
  path: string;
  message: string;
}

export interface DrillOutcome {
  snapshot: StoredSnapshot;
  target: string;
  /** 'all', '10%' or '25'. */
  sample: string;
  /** Undefined when every entry was checked. */
  seed?: string;
  /** Entries (not folders) the snapshot holds; with `--all`, the ones restored. */
  filesInSnapshot: number;
  filesChecked: number;
  dirsChecked: number;
  bytesChecked: number;
  bytesRestored: number;
  /** Time of the restore alone: what recovering these files takes. */
  restoreSeconds: number;
  verifySeconds: number;
  problems: DrillProblem[];
}

/**
 * A restore drill: restores a snapshot (or a random sample of its files) into a folder of its own, reads every
 * restored entry back against the snapshot (content, size, mode, times, symlink targets, owners as root), times
 * the restore, and always removes what it restored, also after a failure or an interrupt.
 */
export async function runDrill(deps: AppDeps, opts: OpenOptions, req: DrillRequest): Promise<DrillOutcome> {
  const sample = req.sample ?? { kind: 'all' };
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo, signal }) => {
      await repo.loadIndex();
      const snapshot = await resolveSnapshot(repo, req.snapshot, req.filter, (m) => deps.warn(m));
      const seed = sample.kind === 'all' ? undefined : (req.seed ?? snapshot.id);
      const picked = seed === undefined || sample.kind === 'all' ? undefined : await pickSample(repo, snapshot, sample, seed, signal);
      const target = await prepareDrillTarget(req.target);
      const o: RestoreOptions = { target: target.path, verify: true, verifyMetadata: true, signal, clock: deps.clock };
      if (picked !== undefined) o.only = picked.paths;
      // Item warnings come back in the result, as the drill's problems: only the status goes on to the listener.
      const onProgress = opts.onProgress;
      if (onProgress !== undefined) o.onProgress = (e) => e.kind !== 'warning' && onProgress(e);
      const started = deps.clock.now();
      let r;
      try {
        r = await restore(repo, snapshot, o);
      } finally {
        await removeDrillTarget(target);
      }
      const problems = [...r.errors, ...r.verifyFailures].map((e) => ({ path: e.item, message: e.message }));
      const outcome: DrillOutcome = {
        snapshot,
        target: target.path,
        sample: describeSample(sample),
        filesInSnapshot: picked?.total ?? r.filesVerified,
        filesChecked: r.filesVerified,
        dirsChecked: r.dirsRestored,
        bytesChecked: r.bytesVerified,
        bytesRestored: r.bytesRestored,
        restoreSeconds: r.seconds,
        verifySeconds: Math.max(0, (deps.clock.now() - started) / 1000 - r.seconds),
        problems,
      };
      if (seed !== undefined) outcome.seed = seed;
      return outcome;
    },
    { readOnly: true },
  );
}
