/**
 * The dashboard's data endpoints (DASH-API.md "Data"): snapshots, trees, files, archives, diffs, restores,
 * repository figures, locks, check/prune/drill runs and the overview. server.ts calls `handleDataRequest` after
 * authentication; it answers and returns true, or returns false for a path it does not serve.
 */
import type http from 'node:http';
import type { Daemon } from './daemon.js';
import type { RequestContext } from './http-util.js';
import { repositoryRoutes } from './repository-routes.js';
import { restoreRoutes } from './restore-routes.js';
import type { Route } from './route-util.js';
import { httpErrorOf } from './route-util.js';
import { snapshotRoutes } from './snapshot-routes.js';

const ROUTES: Route[] = [...snapshotRoutes, ...restoreRoutes, ...repositoryRoutes];

export async function handleDataRequest(
  d: Daemon,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  ctx: RequestContext,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(url.pathname);
    if (!m) continue;
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return false;
    }
    try {
      await route.handle({ d, req, res, url, ctx, params });
    } catch (err) {
      throw httpErrorOf(err);
    }
    return true;
  }
  return false;
}
