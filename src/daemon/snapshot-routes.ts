/**
 * The snapshot routes: the list with filters, one folder of a tree, a file, a folder as tar or zip, a diff. They
 * read without a lock (like `--no-lock`): a prune elsewhere can at worst cut a download, never harm the repository.
 */
import type http from 'node:http';
import type { DiffChange } from '../app/index.js';
import { diffFiles, downloadPath, listFolder } from '../app/index.js';
import type { DiffResult, SnapshotListed, TreeListing } from '../api/index.js';
import type { StoredSnapshot, TreeNode } from '../core/index.js';
import { goModeString } from '../snapshot/index.js';
import { HttpError, send } from './http-util.js';
import { jobTag } from './job-plan.js';
import { contentType, disposition } from './content-type.js';
import type { Route, RouteArgs } from './route-util.js';
import { pageParams, repositoryName, requestSignal, snapshotPath } from './route-util.js';
import { ListingCache } from './listing-cache.js';
import type { Daemon } from './daemon.js';

const DIFF_LIMIT = 10_000;
const JOB_TAG = jobTag('');

function listed(s: StoredSnapshot): SnapshotListed {
  const tags = s.tags ?? [];
  const job = tags.find((t) => t.startsWith(JOB_TAG))?.slice(JOB_TAG.length) ?? null;
  const sum = s.summary;
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: s.time,
    hostname: s.hostname ?? '',
    paths: s.paths,
    tags,
    job,
    summary: sum
      ? {
          files: sum.total_files_processed,
          bytesAdded: sum.data_added,
          totalBytes: sum.total_bytes_processed,
        }
      : null,
  };
}

/** `from`/`to` bounds: an ISO date or time; a bad one is refused rather than ignored. */
function timeBound(url: URL, key: string): number | undefined {
  const v = url.searchParams.get(key);
  if (v === null || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `${key} must be an ISO 8601 date or time, not "${v}"`);
  return t;
}

async function snapshots({ d, res, url, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const host = url.searchParams.get('host');
  const tag = url.searchParams.get('tag');
  const job = url.searchParams.get('job');
  const from = timeBound(url, 'from');
  const to = timeBound(url, 'to');
  const all = (await d.listSnapshots(name)).map((s) => ({ s: listed(s), t: Date.parse(s.time) }));
  const kept = all.filter(
    ({ s, t }) =>
      (!host || s.hostname === host) &&
      (!tag || s.tags.includes(tag)) &&
      (!job || s.job === job) &&
      (from === undefined || t >= from) &&
      (to === undefined || t <= to),
  );
  send(
    res,
    200,
    kept.map(({ s }) => s),
  );
}

function entryType(node: TreeNode): TreeListing['entries'][number]['type'] {
  return node.type === 'file' || node.type === 'dir' || node.type === 'symlink' ? node.type : 'other';
}

type Entry = TreeListing['entries'][number];

/**
 * Listings served page by page: up to 300,000 entries in all (100,000 hold 11 MB) for a minute after their last
 * use. The key holds the snapshot as asked for; only ids and id prefixes are kept (`latest` moves on).
 */
const LISTING_ENTRIES = 300_000;
const LISTING_TTL_MS = 60_000;
const listings = new WeakMap<Daemon, ListingCache<Entry>>();

async function readListing(d: Daemon, name: string, snapshot: string, path: string): Promise<Entry[]> {
  // Not the request's signal: the load may be shared with the next pages' requests.
  const { deps, opts } = d.reader(name, new AbortController().signal);
  const { nodes } = await listFolder(deps, opts, { snapshot, path });
  // Trees are sorted by name already: a stable partition puts the folders first. Few modes repeat: format each once.
  const modes = new Map<number, string>();
  const mode = (m: number): string => modes.get(m) ?? modes.set(m, goModeString(m)).get(m)!;
  return [...nodes.filter((n) => n.type === 'dir'), ...nodes.filter((n) => n.type !== 'dir')].map((n) => ({
    name: n.name,
    type: entryType(n),
    size: n.type === 'file' ? (n.size ?? 0) : null,
    mtime: n.mtime,
    mode: mode(n.mode ?? 0),
  }));
}

async function tree({ d, url, res, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const path = snapshotPath(url.searchParams.get('path'), '/');
  const { offset, limit } = pageParams(url);
  const snapshot = params[1]!;
  const load = (): Promise<Entry[]> => readListing(d, name, snapshot, path);
  let entries: Entry[];
  if (/^[0-9a-f]{1,64}$/.test(snapshot)) {
    // A listing outlives a forget: serve it only while the snapshot is still in the repository.
    if (!(await d.listSnapshots(name)).some((s) => s.id.startsWith(snapshot)))
      throw new HttpError(404, `there is no snapshot ${snapshot} in repository ${name}`);
    const cache = listings.get(d) ?? new ListingCache<Entry>(LISTING_ENTRIES, LISTING_TTL_MS);
    listings.set(d, cache);
    const key = JSON.stringify([name, d.config.repositories[name]!.url, snapshot, path]);
    entries = await cache.get(key, load);
  } else entries = await load();
  send(res, 200, {
    path,
    total: entries.length,
    offset,
    entries: entries.slice(offset, offset + limit),
  } satisfies TreeListing);
}

/** Streams `download` into the response; a failure after the headers cuts the connection (never a short "success"). */
async function stream(res: http.ServerResponse, download: () => Promise<void>): Promise<void> {
  try {
    await download();
    res.end();
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

async function file({ d, res, url, params, ctx }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const path = snapshotPath(url.searchParams.get('path'));
  const attach = url.searchParams.get('download') === '1';
  const { deps, opts } = d.reader(name, requestSignal(res));
  await stream(res, () =>
    downloadPath(deps, opts, { snapshot: params[1]!, path }, (node, snap) => {
      ctx.audit('download', `${name}/${snap.id.slice(0, 8)}:${path}`, attach ? 'file' : 'file (view)');
      const type = contentType(node.name, attach);
      res.writeHead(200, {
        'content-type': type.type,
        'content-length': String(node.size ?? 0),
        'content-disposition': disposition(type.attachment ? 'attachment' : 'inline', node.name),
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=300',
      });
      return res;
    }),
  );
}

async function archive({ d, res, url, params, ctx }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const path = snapshotPath(url.searchParams.get('path'), '/');
  const format = url.searchParams.get('format') ?? 'tar';
  if (format !== 'tar' && format !== 'zip')
    throw new HttpError(400, `format must be tar or zip, not "${format}"`);
  const { deps, opts } = d.reader(name, requestSignal(res));
  await stream(res, () =>
    downloadPath(deps, opts, { snapshot: params[1]!, path, archive: format }, (_node, snap) => {
      ctx.audit('download', `${name}/${snap.id.slice(0, 8)}:${path}`, `folder as ${format}`);
      const base = path === '/' ? `snapshot-${snap.id.slice(0, 8)}` : path.slice(path.lastIndexOf('/') + 1);
      res.writeHead(200, {
        'content-type': format === 'zip' ? 'application/zip' : 'application/x-tar',
        'content-disposition': disposition('attachment', `${base}.${format}`),
        'x-content-type-options': 'nosniff',
      });
      return res;
    }),
  );
}

const CHANGE = {
  '+': 'added',
  '-': 'removed',
  M: 'modified',
  T: 'type-changed',
  U: 'metadata',
} as const satisfies Record<DiffChange['modifier'], DiffResult['changes'][number]['change']>;

async function diff({ d, res, url, params }: RouteArgs): Promise<void> {
  const name = repositoryName(d, params[0]!);
  const from = url.searchParams.get('from');
  const to = url.searchParams.get('to');
  if (!from || !to) throw new HttpError(400, 'give the two snapshots as from=ID&to=ID');
  const { deps, opts } = d.reader(name, requestSignal(res));
  const changes: DiffResult['changes'] = [];
  let truncated = false;
  const r = await diffFiles(deps, opts, { a: from, b: to, metadata: true }, (c) => {
    if (changes.length >= DIFF_LIMIT) {
      truncated = true;
      return;
    }
    const dir = c.path.endsWith('/');
    changes.push({
      path: dir ? c.path.slice(0, -1) : c.path,
      change: CHANGE[c.modifier],
      type: dir ? 'dir' : 'file',
    });
  });
  const counts = (c: typeof r.totals.added): DiffResult['totals']['added'] => ({
    files: c.files,
    dirs: c.dirs,
    others: c.others,
    bytes: c.bytes,
  });
  send(res, 200, {
    from: r.a.id,
    to: r.b.id,
    changes,
    totals: {
      changedFiles: r.totals.changedFiles,
      added: counts(r.totals.added),
      removed: counts(r.totals.removed),
    },
    truncated,
  } satisfies DiffResult);
}

const SNAP = '^/api/v1/repositories/([^/]+)/snapshots/([^/]+)';
export const snapshotRoutes: Route[] = [
  { method: 'GET', pattern: /^\/api\/v1\/repositories\/([^/]+)\/snapshots$/, handle: snapshots },
  { method: 'GET', pattern: new RegExp(`${SNAP}/tree$`), handle: tree },
  { method: 'GET', pattern: new RegExp(`${SNAP}/file$`), handle: file },
  { method: 'GET', pattern: new RegExp(`${SNAP}/archive$`), handle: archive },
  { method: 'GET', pattern: /^\/api\/v1\/repositories\/([^/]+)\/diff$/, handle: diff },
];
