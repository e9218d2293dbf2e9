import { randomBytes } from 'node:crypto';
import type { StoredSnapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import { parseSourceUri } from '../source/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { loadInto, type RestoreTargetFactory } from './restore-into.js';
import { parseSnapshotRef, resolveSnapshot } from './restore.js';
import type { SnapshotFilter } from './snapshots.js';

export interface DatabaseDrillRequest {
  /** `SNAPSHOT` or `SNAPSHOT:/mysql/classroom.sql`. */
  snapshot: string;
  /** The server to drill on, without a database (`mysql://…/`, `postgres://…/`): a scratch database is made there. */
  into: string;
  /** The check to run after the load (default: the rows of every table). */
  query?: string;
  filter?: SnapshotFilter;
}

export interface DatabaseDrillOutcome {
  snapshot: StoredSnapshot;
  /** The dump that was loaded. */
  path: string;
  /** The scratch database (already dropped). */
  scratch: string;
  bytes: number;
  loadSeconds: number;
  /** `table<TAB>rows` lines, or the query's output lines. */
  check: string[];
}

/**
 * A restore drill for a database dump: loads it into a scratch database on the given server, runs a check query
 * (rows per table by default), times the load, and always drops the scratch database — the proof that the dump
 * restores, not only that its bytes are intact.
 */
export async function runDatabaseDrill(
  deps: AppDeps,
  opts: OpenOptions,
  req: DatabaseDrillRequest,
  openTarget: RestoreTargetFactory,
): Promise<DatabaseDrillOutcome> {
  const spec = parseSourceUri(req.into);
  if (spec.kind !== 'mysql' && spec.kind !== 'postgres') {
    throw new CairnError('invalid-argument', 'drill --into takes a mysql:// or postgres:// server URI.');
  }
  if (spec.database !== undefined) {
    throw new CairnError('invalid-argument', `drill --into takes a server without a database (it makes and drops its own), not ${spec.connection.display}.`);
  }
  const scratch = `cairn_drill_${randomBytes(4).toString('hex')}`;
  const target = openTarget({ ...spec, database: scratch });
  const { ref, subPath } = parseSnapshotRef(req.snapshot);
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo, signal }) => {
      await repo.loadIndex();
      const snapshot = await resolveSnapshot(repo, ref, req.filter, (m) => deps.warn(m));
      const started = deps.clock.now();
      try {
        const { path, bytes } = await loadInto(repo, snapshot, subPath, target, false, signal);
        const loadSeconds = (deps.clock.now() - started) / 1000;
        const check = (await target.check?.(req.query, signal)) ?? [];
        return { snapshot, path, scratch, bytes, loadSeconds, check };
      } finally {
        await target.drop?.().catch((err: unknown) => deps.warn(`The scratch database ${scratch} could not be dropped: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
    { readOnly: true },
  );
}
