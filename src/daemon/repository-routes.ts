/**
 * The repository routes: the cached figures (and their history), locks, the repository's runs, check and prune
 * started as recorded runs, a job's drill, and the overview the dashboard opens with (no repository access).
 */
import { z } from 'zod';
import { listLocks, parseReadDataSubset, runCheck, runPrune } from '../app/index.js';
import type { Overview } from '../api/index.js';
import { checkRequest } from '../api/index.js';
import { jobView } from './jobs-view.js';
import { HttpError, readJson, send } from './http-util.js';
import type { Daemon } from './daemon.js';
import type { Route, RouteArgs } from './route-util.js';
import { limitParam, repositoryName, requestSignal } from './route-util.js';

async function repositories({ d, res }: RouteArgs): Promise<void> {
  send(
    res,
    200,
    Object.keys(d.config.repositories).map((n) => d.stats.view(d.config, n)),
  );
}

async function statsHistory({ d, res, url, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const rows = d.runs.repositoryStats(name, limitParam(url, 500, 10_000));
  send(
    res,
    200,
    rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      storedBytes: r.storedBytes,
      snapshots: r.snapshots,
    })),
  );
}

async function locks({ d, res, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const { deps, opts } = d.reader(name, requestSignal(res));
  send(res, 200, await listLocks(deps, opts));
}

async function runs({ d, res, url, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  send(res, 200, d.runs.repositoryRuns(name, limitParam(url, 50, 1000)));
}

async function check({ d, req, res, params, ctx }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const body = await readJson(req, checkRequest);
  // A bad subset is refused here (400), not as a failed run.
  if (body.readDataSubset !== undefined) parseReadDataSubset(body.readDataSubset);
  const runId = await d.runOnRepository(name, 'check', '', async (top) => {
    const r = await runCheck(top.deps, d.access(name, top.signal).opts, {
      ...(body.readDataSubset !== undefined ? { readDataSubset: body.readDataSubset } : {}),
      onStep: (m) => top.log.info(m),
    });
    for (const w of r.warnings) top.log.warn(w);
    for (const e of r.errors) top.log.error(e);
    if (r.errors.length > 0) throw new Error(`check found ${r.errors.length} errors in repository ${name}`);
    top.log.info('no errors were found');
    return { end: {}, problems: [] };
  });
  ctx.audit(
    'check',
    name,
    body.readDataSubset === undefined ? '' : `read-data-subset ${body.readDataSubset}`,
  );
  send(res, 202, { runId });
}

async function prune({ d, req, res, params, ctx }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  await readJson(req, z.strictObject({}));
  const runId = await d.runOnRepository(name, 'prune', '', async (top) => {
    const r = await runPrune(top.deps, d.access(name, top.signal).opts, {
      maxUnused: { kind: 'percent', value: 5 },
      onStep: (m) => top.log.info(m),
    });
    top.log.info(
      `${r.packs.remove.length + r.packs.unreferenced.length} packs removed, ${r.packs.repack.length} repacked`,
    );
    return { end: {}, problems: [] };
  });
  ctx.audit('prune', name);
  send(res, 202, { runId });
}

async function drill({ d, res, params, ctx }: RouteArgs): Promise<void> {
  const job = params[0]!;
  if (!Object.hasOwn(d.config.jobs, job)) throw new HttpError(404, `there is no job ${job} in the config`);
  const started = d.trigger(job, 'drill', 'api');
  if (!started)
    throw new HttpError(409, `job ${job} is running already; the request was recorded as a skipped run`);
  const runId = await started;
  ctx.audit('drill', job);
  send(res, 202, { runId });
}

/** Failing and overdue jobs, failed drills and repositories whose figures could not be read. */
export function alerts(
  d: Daemon,
  jobs: Overview['jobs'],
  repos: Overview['repositories'],
): Overview['alerts'] {
  const out: Overview['alerts'] = [];
  const now = new Date().toISOString();
  for (const j of jobs) {
    const last = j.lastRun;
    if (last && (last.outcome === 'failed' || last.outcome === 'partial' || last.outcome === 'interrupted'))
      out.push({
        level: last.outcome === 'partial' ? 'warn' : 'error',
        job: j.name,
        message:
          `the last backup ${last.outcome === 'partial' ? 'was partial' : last.outcome}: ${last.error ?? ''}`.trim(),
        at: last.endedAt ?? last.startedAt,
      });
    if (j.overdue)
      out.push({
        level: 'error',
        job: j.name,
        message: `no successful backup since ${j.lastSuccessAt ?? 'the job was created'}`,
        at: now,
      });
    const drillRun = d.runs.lastFinished(j.name, 'drill');
    if (drillRun && drillRun.outcome !== 'succeeded')
      out.push({
        level: 'warn',
        job: j.name,
        message: `the last restore drill ${drillRun.outcome}: ${drillRun.error ?? ''}`.trim(),
        at: drillRun.endedAt ?? drillRun.startedAt,
      });
  }
  for (const r of repos)
    if (r.error !== null)
      out.push({
        level: 'error',
        job: null,
        message: `repository ${r.name}: ${r.error}`,
        at: r.updatedAt ?? now,
      });
  return out;
}

async function overview({ d, res }: RouteArgs): Promise<void> {
  const jobs = Object.keys(d.config.jobs).map((n) => jobView(d, n));
  const repos = Object.keys(d.config.repositories).map((n) => d.stats.view(d.config, n));
  send(res, 200, { jobs, repositories: repos, alerts: alerts(d, jobs, repos) } satisfies Overview);
}

const REPO = '^/api/v1/repositories/([^/]+)';
export const repositoryRoutes: Route[] = [
  { method: 'GET', pattern: /^\/api\/v1\/overview$/, handle: overview },
  { method: 'GET', pattern: /^\/api\/v1\/repositories$/, handle: repositories },
  { method: 'GET', pattern: new RegExp(`${REPO}/stats-history$`), handle: statsHistory },
  { method: 'GET', pattern: new RegExp(`${REPO}/locks$`), handle: locks },
  { method: 'GET', pattern: new RegExp(`${REPO}/runs$`), handle: runs },
  { method: 'POST', pattern: new RegExp(`${REPO}/check$`), handle: check },
  { method: 'POST', pattern: new RegExp(`${REPO}/prune$`), handle: prune },
  { method: 'POST', pattern: /^\/api\/v1\/jobs\/([^/]+)\/drill$/, handle: drill },
];
