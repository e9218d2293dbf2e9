import { PassThrough } from 'node:stream';
import type { StoredSnapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { dump, listNodes, restore } from '../restorer/index.js';
import type { RestoreTarget, SourceSpec } from '../source/index.js';
import { parseSourceUri } from '../source/index.js';
import { resolveTreePath } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { parseSnapshotRef, resolveSnapshot } from './restore.js';
import type { SnapshotFilter } from './snapshots.js';

/** Opens where `restore --to URI` loads a dump (registry.ts provides the real one). */
export type RestoreTargetFactory = (spec: SourceSpec) => RestoreTarget;

export interface RestoreIntoRequest {
  /** `SNAPSHOT` or `SNAPSHOT:/mysql/classroom.sql` (the file to load, when the snapshot holds several). */
  snapshot: string;
  /** `mysql://…/db`, `postgres://…/db`, `sqlite:///path` or `docker-volume:NAME`. */
  to: string;
  /** Load into a database (or over a file) that is not empty. */
  force?: boolean;
  filter?: SnapshotFilter;
}

export interface RestoreIntoOutcome {
  snapshot: StoredSnapshot;
  /** The snapshot file that was loaded. */
  path: string;
  /** The target without its password. */
  target: string;
  bytes: number;
}

/**
 * `restore SNAPSHOT --to URI`: streams one dump of the snapshot into a database (or a database file), or one
 * volume's folder as a tar into a Docker volume — the path named after the colon, or the only one the target accepts.
 * Refuses a target that is not empty unless `force`.
 */
export async function runRestoreInto(
  deps: AppDeps,
  opts: OpenOptions,
  req: RestoreIntoRequest,
  openTarget: RestoreTargetFactory,
): Promise<RestoreIntoOutcome> {
  const target = openTarget(parseSourceUri(req.to));
  const { ref, subPath } = parseSnapshotRef(req.snapshot);
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo, signal }) => {
      await repo.loadIndex();
      const snapshot = await resolveSnapshot(repo, ref, req.filter, (m) => deps.warn(m));
      const { path, bytes } = await loadInto(repo, snapshot, subPath, target, req.force === true, signal);
      return { snapshot, path, target: target.display, bytes };
    },
    { readOnly: true },
  );
}

/**
 * Loads one dump of `snapshot` (the file at `subPath`, or the only one the target accepts) into `target` after
 * `prepare`; the repository is read while the target's tool loads, nothing is written to disk first.
 */
export async function loadInto(
  repo: Repository,
  snapshot: StoredSnapshot,
  subPath: string | undefined,
  target: RestoreTarget,
  force: boolean,
  signal: AbortSignal,
): Promise<{ path: string; bytes: number }> {
  const path = subPath !== undefined ? '/' + subPath.replace(/^\/+|\/+$/g, '') : await pickDump(repo, snapshot, target, signal);
  const id = snapshot.id.slice(0, 8);
  if (!target.accepts(path)) {
    throw new CairnError('invalid-argument', `${path} of snapshot ${id} is not a ${noun(target)} that ${target.display} can load.`);
  }
  // Before the target is touched (a forced restore empties a volume first).
  const node = await resolveTreePath(repo, snapshot.tree, path);
  if (node === undefined) throw new CairnError('not-found', `The path ${path} does not exist in snapshot ${id}.`);
  if (node.type !== (target.takes === 'folder' ? 'dir' : 'file')) {
    throw new CairnError('invalid-argument', `${path} of snapshot ${id} is not a ${noun(target)} that ${target.display} can load.`);
  }
  await target.prepare(force, signal);
  let bytes = 0;
  const inPlace = await target.writeInPlace?.(async (dir) => {
    const done = await restore(repo, snapshot, { target: dir, subPath: path, signal });
    bytes = done.bytesRestored;
    const [first] = done.errors;
    if (first !== undefined) {
      const more = done.errors.length > 1 ? ` (and ${done.errors.length - 1} more)` : '';
      const why = `${first.item}: ${first.message.replace(/\.$/, '')}${more}`;
      throw new CairnError('fatal', `Restoring into ${target.display} failed: ${why}.`);
    }
  }, signal);
  if (inPlace === true) return { path, bytes };
  const pipe = new PassThrough();
  // A read that fails before the target starts reading (a Docker helper is still being created) destroys the pipe
  // with nobody listening: its error comes out through `reading` below, not as an uncaught 'error' event.
  pipe.on('error', () => undefined);
  const counted = (async function* () {
    for await (const piece of pipe) {
      bytes += (piece as Buffer).length;
      yield piece as Buffer;
    }
  })();
  const reading = dump(repo, snapshot, path, pipe, { signal }).then(
    () => void pipe.end(),
    (err: unknown) => {
      pipe.destroy(err as Error);
      throw err;
    },
  );
  // Both must finish: a failed read stops the load (its input breaks), a load that ends stops the read.
  let gaveUp = false;
  const writing = target.write(counted, signal).finally(() => {
    if (pipe.writableFinished || pipe.destroyed) return;
    gaveUp = true;
    pipe.destroy(new CairnError('fatal', `${target.display} stopped reading the dump.`));
  });
  const [w, r] = await Promise.allSettled([writing, reading]);
  // A read that broke only because the target gave up (a refusal it checks as it starts writing) tells the target's reason.
  if (w.status === 'rejected' && gaveUp) throw w.reason;
  if (r.status === 'rejected') throw r.reason;
  if (w.status === 'rejected') throw w.reason;
  return { path, bytes };
}

/** The one file of the snapshot the target can load; @throws CairnError naming the choices when there are several. */
async function pickDump(repo: Repository, snapshot: StoredSnapshot, target: RestoreTarget, signal: AbortSignal): Promise<string> {
  const found: string[] = [];
  const type = target.takes === 'folder' ? 'dir' : 'file';
  for await (const { path, node } of listNodes(repo, snapshot, { paths: [target.folder], signal })) {
    if (node.type === type && target.accepts(path)) found.push(path);
  }
  const id = snapshot.id.slice(0, 8);
  if (found.length === 1) return found[0]!;
  if (target.preferred !== undefined && found.includes(target.preferred)) return target.preferred;
  if (found.length === 0) throw new CairnError('not-found', `Snapshot ${id} holds no ${noun(target)} that ${target.display} can load.`);
  throw new CairnError('invalid-argument', `Snapshot ${id} holds several ${noun(target)}s (${found.join(', ')}); name one as ${id}:${found[0]!}.`);
}

/** What the target loads, for messages: a dump, or a volume's folder. */
function noun(target: RestoreTarget): string {
  return target.takes === 'folder' ? 'folder' : 'dump';
}
