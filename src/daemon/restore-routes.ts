/**
 * POST …/snapshots/:id/restore: to a path (inside server.restore_roots when set, symlinks of the existing part
 * resolved) or back into the job's database or volume source. A dry run lists what would be overwritten (files, or
 * a database's tables): the dashboard's confirmation. The restore itself is a recorded run of kind `restore` with its log.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { listFiles, runRestore, runRestoreInto } from '../app/index.js';
import type { RestorePlan, RestoreRequestBody } from '../api/index.js';
import { restoreRequest } from '../api/index.js';
import { errnoCode } from '../core/index.js';
import type { StoredSnapshot } from '../core/index.js';
import { openRestoreTarget } from '../registry.js';
import { isSourceUri, parseSourceUri } from '../source/index.js';
import type { Daemon } from './daemon.js';
import { HttpError, readJson, send } from './http-util.js';
import { jobTag } from './job-plan.js';
import type { Route, RouteArgs } from './route-util.js';
import { cleanAbsolute, repositoryName, requestSignal } from './route-util.js';

const LISTED = 1000;

/** The path with the symlinks of its existing part resolved (the rest cannot be a link yet). */
async function realExisting(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT' || p === '/') throw err;
    return path.join(await realExisting(path.dirname(p)), path.basename(p));
  }
}

/** 403 unless `target` lies inside one of the configured roots (none configured: anywhere). */
async function checkRoots(d: Daemon, target: string): Promise<void> {
  const roots = d.config.server.restore_roots ?? [];
  if (roots.length === 0) return;
  const real = await realExisting(target);
  for (const root of roots) {
    const r = await realExisting(root);
    if (real === r || real.startsWith(r === '/' ? '/' : `${r}/`)) return;
  }
  throw new HttpError(
    403,
    `the restore target ${target} is outside the allowed folders (server.restore_roots)`,
  );
}

/** The snapshot by id, unique prefix or `latest` (from the daemon's unlocked list). */
async function findSnapshot(d: Daemon, repository: string, ref: string): Promise<StoredSnapshot> {
  const all = await d.listSnapshots(repository);
  const found = ref === 'latest' ? all.slice(-1) : all.filter((s) => s.id.startsWith(ref));
  if (found.length === 0) throw new HttpError(404, `there is no snapshot ${ref} in repository ${repository}`);
  if (found.length > 1) throw new HttpError(400, `the snapshot id ${ref} is ambiguous; give more of it`);
  return found[0]!;
}

function jobOf(d: Daemon, snap: StoredSnapshot): string {
  const prefix = jobTag('');
  const job = snap.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length);
  return job !== undefined && Object.hasOwn(d.config.jobs, job) ? job : '';
}

/** Which existing files under `target` the restore would replace, and how many it would create. */
async function plan(
  d: Daemon,
  repository: string,
  snap: StoredSnapshot,
  paths: string[],
  target: string,
  signal: AbortSignal,
): Promise<RestorePlan> {
  const { deps, opts } = d.reader(repository, signal);
  const files: string[] = [];
  await listFiles(
    deps,
    opts,
    { snapshot: snap.id, ...(paths.length > 0 ? { dirs: paths } : {}), recursive: true },
    { onSnapshot: () => undefined, onNode: (p, node) => void (node.type !== 'dir' && files.push(p)) },
  );
  const overwrite: string[] = [];
  let count = 0;
  for (const f of files) {
    const at = path.join(target, f);
    const exists = await fs.lstat(at).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    count++;
    if (overwrite.length < LISTED) overwrite.push(at);
  }
  return { target, overwrite, overwriteCount: count, create: files.length - count };
}

type SourceTarget = ReturnType<typeof openRestoreTarget>;

/** The job's database or volume source this snapshot goes back into. */
function sourceUri(d: Daemon, job: string, paths: string[]): { uri: string; display: string; target: SourceTarget } {
  if (job === '')
    throw new HttpError(
      400,
      'this snapshot was not made by a job of the config, so its source is unknown: restore it to a path',
    );
  if (paths.length > 1)
    throw new HttpError(400, 'a restore into the source takes one path (a dump or a volume folder)');
  const candidates = d.config.jobs[job]!.sources.filter(isSourceUri).flatMap((uri) => {
    try {
      return [{ uri, target: openRestoreTarget(parseSourceUri(uri)) }];
    } catch {
      return [];
    }
  });
  const fit = paths.length === 1 ? candidates.filter((c) => c.target.accepts(paths[0]!)) : candidates;
  if (fit.length === 1) return { uri: fit[0]!.uri, display: fit[0]!.target.display, target: fit[0]!.target };
  if (fit.length === 0)
    throw new HttpError(400, `job ${job} has no database or volume source to restore this into`);
  throw new HttpError(
    400,
    `job ${job} has several sources (${fit.map((c) => c.target.display).join(', ')}): select the path of one`,
  );
}

/**
 * What a restore into the source may replace: a database's tables as the server lists them (the dump replaces
 * those it holds, the others stay); a volume's contents are not listed.
 */
async function sourcePlan(target: SourceTarget, signal: AbortSignal): Promise<RestorePlan> {
  // A database that cannot be listed (not created yet, or the server is down) is left to the restore's own check,
  // which refuses a database that is not empty without overwrite.
  const tables = (await target.check?.(undefined, signal).catch(() => [])) ?? [];
  const names = tables.map((line) => line.split('\t')[0]!);
  return { target: target.display, overwrite: names.slice(0, LISTED), overwriteCount: names.length, create: 0 };
}

async function restore({ d, req, res, params, ctx }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const body: RestoreRequestBody = await readJson(req, restoreRequest);
  const paths = body.paths.map((p) => cleanAbsolute(p, 'path'));
  const snap = await findSnapshot(d, name, params[1]!);
  const job = jobOf(d, snap);
  const short = snap.id.slice(0, 8);
  if (body.target.kind === 'source') {
    const { uri, display, target } = sourceUri(d, job, paths);
    if (body.dryRun) return send(res, 200, await sourcePlan(target, requestSignal(res)));
    const p = body.overwrite ? undefined : await sourcePlan(target, requestSignal(res));
    if (p !== undefined && p.overwriteCount > 0)
      throw new HttpError(
        409,
        `the database ${display} holds ${p.overwriteCount} tables already; restore with overwrite to replace them`,
      );
    const runId = await d.runOnRepository(name, 'restore', job, async (top) => {
      const ref = paths.length === 1 ? `${snap.id}:${paths[0]!}` : snap.id;
      const r = await runRestoreInto(
        top.deps,
        d.access(name, top.signal).opts,
        { snapshot: ref, to: uri, force: body.overwrite },
        openRestoreTarget,
      );
      top.log.info(`${r.path} of snapshot ${short} loaded into ${r.target} (${r.bytes} bytes)`);
      return { end: { bytesTotal: r.bytes, snapshotIds: [snap.id] }, problems: [] };
    });
    ctx.audit('restore', `${name}/${short}`, `into ${display}`);
    return send(res, 202, { runId });
  }
  const target = cleanAbsolute(body.target.path, 'target path');
  await checkRoots(d, target);
  if (body.dryRun) return send(res, 200, await plan(d, name, snap, paths, target, requestSignal(res)));
  if (!body.overwrite) {
    const p = await plan(d, name, snap, paths, target, requestSignal(res));
    if (p.overwriteCount > 0)
      throw new HttpError(
        409,
        `${p.overwriteCount} files exist under ${target} already; restore with overwrite to replace them`,
      );
  }
  const runId = await d.runOnRepository(name, 'restore', job, async (top) => {
    top.log.info(
      `restoring ${paths.length === 0 ? 'everything' : paths.join(', ')} of snapshot ${short} to ${target}`,
    );
    const r = await runRestore(top.deps, d.access(name, top.signal).opts, {
      snapshot: snap.id,
      target,
      // Paths are literal: glob characters in names are escaped.
      ...(paths.length > 0 ? { include: paths.map((p) => p.replace(/[*?[\]\\]/g, '\\$&')) } : {}),
    });
    for (const e of r.errors) top.log.warn(`${e.item}: ${e.message}`);
    top.log.info(
      `${r.filesRestored} files, ${r.dirsRestored} folders, ${r.bytesRestored} bytes restored to ${target}`,
    );
    const problems = r.errors.length > 0 ? [`${r.errors.length} files could not be restored`] : [];
    return { end: { files: r.filesRestored, bytesTotal: r.bytesRestored, snapshotIds: [snap.id] }, problems };
  });
  ctx.audit('restore', `${name}/${short}`, `to ${target}${paths.length > 0 ? `: ${paths.join(', ')}` : ''}`);
  send(res, 202, { runId });
}

export const restoreRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/v1\/repositories\/([^/]+)\/snapshots\/([^/]+)\/restore$/,
    handle: restore,
  },
];
