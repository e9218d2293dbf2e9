import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffResult, Repository, RestorePlan, SnapshotListed, TreeListing } from '../api/index.js';
import { repositoryStats } from '../app/index.js';
import { parseConfig } from '../config/index.js';
import { handleDataRequest } from './data-routes.js';
import { ApiServer, createLogger, Daemon } from './index.js';

const BIG = 20_000;
let dir: string;
let d: Daemon;
let server: ApiServer;
let base: string;
let first: SnapshotListed;
let second: SnapshotListed;

const get = (p: string): Promise<Response> => fetch(`${base}${p}`);
const json = async <T>(p: string, init?: RequestInit): Promise<T> => {
  const r = await fetch(`${base}${p}`, init);
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};
/** Open mode still wants the session's CSRF token on a POST (server.ts). */
let csrf = '';
const post = (p: string, body: unknown): Promise<Response> =>
  fetch(`${base}${p}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
  });
const snap = (id: string, rest: string): string => `/api/v1/repositories/local/snapshots/${id}/${rest}`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-data-routes-'));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'docs/sub'), { recursive: true });
  fs.mkdirSync(path.join(src, 'big'));
  fs.mkdirSync(path.join(dir, 'allowed'));
  fs.writeFileSync(path.join(src, 'docs/a.txt'), 'hello\n');
  fs.writeFileSync(path.join(src, 'docs/page.html'), '<script>alert(1)</script>');
  fs.writeFileSync(path.join(src, 'docs/sub/data.bin'), randomBytes(300_000));
  fs.symlinkSync('a.txt', path.join(src, 'docs/link'));
  // A hard link counts once in the restore size: the figures must not count it twice.
  fs.linkSync(path.join(src, 'docs/sub/data.bin'), path.join(src, 'docs/sub/same.bin'));
  for (let i = 0; i < BIG; i++) fs.writeFileSync(path.join(src, 'big', `f${i}`), String(i));
  const file = path.join(dir, 'cairn.yaml');
  const yaml = `
server: { restore_roots: [${dir}/allowed] }
repositories:
  local: { url: ${dir}/repo, password: pw, create: true }
jobs:
  j:
    sources: [${src}]
    schedule: { every: 1h }
    repositories: [local]
  small:
    sources: [${src}/docs]
    schedule: { every: 1h }
    repositories: [local]
`;
  d = new Daemon({
    loaded: { file, config: parseConfig(yaml, file, {}) },
    dataDir: path.join(dir, 'data'),
    logger: createLogger('error', new Writable({ write: (_c, _e, cb) => cb() })),
    backupWorkers: 0,
  });
  d.open({ exclusive: true });
  await d.trigger('j', 'backup', 'manual');
  await d.idle();
  fs.writeFileSync(path.join(src, 'docs/a.txt'), 'hello again\n');
  fs.writeFileSync(path.join(src, 'docs/new.txt'), 'new');
  fs.rmSync(path.join(src, 'docs/page.html'));
  await d.trigger('j', 'backup', 'manual');
  await d.idle();
  await d.stats.settled();
  server = new ApiServer(d);
  base = await server.listen('127.0.0.1:0');
  csrf = (await json<{ csrfToken: string }>('/api/v1/session')).csrfToken;
  const list = await json<SnapshotListed[]>('/api/v1/repositories/local/snapshots');
  first = list[0]!;
  second = list[1]!;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the data API', () => {
  it('records a download in the audit log of the request', async () => {
    const audits: string[] = [];
    const ctx = {
      user: 'ann',
      audit: (action: string, target: string) => void audits.push(`${action} ${target}`),
    };
    const own = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      void handleDataRequest(d, req, res, url, ctx).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    try {
      const at = `http://127.0.0.1:${(own.address() as { port: number }).port}`;
      const docs = encodeURIComponent(path.join(dir, 'src/docs'));
      await (await fetch(`${at}${snap(second.id, `archive?path=${docs}`)}`)).arrayBuffer();
      expect((await fetch(`${at}/api/v1/nothing`)).status).toBe(404);
      expect(audits).toEqual([`download local/${second.shortId}:${path.join(dir, 'src/docs')}`]);
    } finally {
      own.close();
    }
  });

  it('lists snapshots with their job and summary, and filters them', async () => {
    expect(first).toMatchObject({ job: 'j', hostname: os.hostname() });
    expect(second.summary).toMatchObject({ files: BIG + 4 });
    const to = new Date(Date.parse(second.time) - 1).toISOString();
    expect(await json<SnapshotListed[]>(`/api/v1/repositories/local/snapshots?job=j&to=${to}`)).toHaveLength(
      1,
    );
    expect(await json<SnapshotListed[]>('/api/v1/repositories/local/snapshots?job=other')).toEqual([]);
    expect((await get('/api/v1/repositories/local/snapshots?from=yesterday')).status).toBe(400);
    expect((await get('/api/v1/repositories/nope/snapshots')).status).toBe(404);
  });

  it('lists one folder of a tree, folders first, a big one quickly', async () => {
    const docs = path.join(dir, 'src/docs');
    const t = await json<TreeListing>(snap(second.id, `tree?path=${encodeURIComponent(docs)}`));
    expect(t.entries.map((e) => [e.name, e.type])).toEqual([
      ['sub', 'dir'],
      ['a.txt', 'file'],
      ['link', 'symlink'],
      ['new.txt', 'file'],
    ]);
    expect(t.entries[1]).toMatchObject({ size: 12, mode: '-rw-r--r--' });
    expect(t.entries[0]).toMatchObject({ size: null, mode: expect.stringMatching(/^drwx/) as unknown });
    const started = performance.now();
    const big = await json<TreeListing>(
      snap(second.shortId, `tree?path=${encodeURIComponent(path.join(dir, 'src/big'))}`),
    );
    expect(big.entries).toHaveLength(BIG);
    expect(big).toMatchObject({ total: BIG, offset: 0 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect((await get(snap(second.id, 'tree?path=/no/such'))).status).toBe(404);
    expect((await get(snap(second.id, `tree?path=${docs}/../docs`))).status).toBe(400);
    expect((await get(snap(second.id, 'tree?path=relative'))).status).toBe(400);
  });

  it('pages a big folder: offset and limit over one stable order, the total of the whole folder', async () => {
    const big = `tree?path=${encodeURIComponent(path.join(dir, 'src/big'))}`;
    const whole = await json<TreeListing>(snap(second.id, big));
    const pages: TreeListing[] = [];
    for (let offset = 0; offset < BIG; offset += 7000)
      pages.push(await json<TreeListing>(snap(second.id, `${big}&offset=${offset}&limit=7000`)));
    expect(pages.map((p) => [p.offset, p.total, p.entries.length])).toEqual([
      [0, BIG, 7000],
      [7000, BIG, 7000],
      [14000, BIG, BIG - 14000],
    ]);
    expect(pages.flatMap((p) => p.entries)).toEqual(whole.entries);
    // The same pages by a short id and past the end.
    const short = await json<TreeListing>(snap(second.shortId, `${big}&offset=7000&limit=3`));
    expect(short.entries).toEqual(whole.entries.slice(7000, 7003));
    expect(await json<TreeListing>(snap(second.id, `${big}&offset=${BIG}&limit=10`))).toMatchObject({
      total: BIG,
      entries: [],
    });
    for (const bad of ['offset=-1', 'limit=0', 'limit=ten', 'offset=1.5'])
      expect((await get(snap(second.id, `${big}&${bad}`))).status, bad).toBe(400);
  });

  it('sends a file with its type, never renders HTML, and 404s what is not a file', async () => {
    const bin = path.join(dir, 'src/docs/sub/data.bin');
    const r = await get(snap(second.id, `file?path=${encodeURIComponent(bin)}&download=1`));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="data.bin"/);
    expect(Buffer.from(await r.arrayBuffer()).equals(fs.readFileSync(bin))).toBe(true);
    const text = await get(
      snap(second.id, `file?path=${encodeURIComponent(path.join(dir, 'src/docs/a.txt'))}`),
    );
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(text.headers.get('content-disposition')).toMatch(/^inline/);
    expect(text.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await text.text()).toBe('hello again\n');
    const page = `file?path=${encodeURIComponent(path.join(dir, 'src/docs/page.html'))}`;
    const html = await get(snap(first.id, page));
    expect(html.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const htmlDownload = await get(snap(first.id, `${page}&download=1`));
    expect(htmlDownload.headers.get('content-type')).toBe('application/octet-stream');
    expect(htmlDownload.headers.get('content-disposition')).toMatch(/^attachment/);
    expect((await get(snap(second.id, page))).status).toBe(404);
    expect(
      (await get(snap(second.id, `file?path=${encodeURIComponent(path.join(dir, 'src/docs'))}`))).status,
    ).toBe(400);
    expect((await get(snap(second.id, 'file?path=/etc/../etc/passwd'))).status).toBe(400);
  });

  it.each(['tar', 'zip'])('sends a folder as %s with names relative to it', async (format) => {
    const r = await get(
      snap(second.id, `archive?path=${encodeURIComponent(path.join(dir, 'src/docs'))}&format=${format}`),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="docs.${format}"`),
    );
    const out = path.join(dir, `unpacked-${format}`);
    fs.mkdirSync(out);
    const file = path.join(dir, `docs.${format}`);
    fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    if (format === 'tar') execFileSync('tar', ['-xf', file, '-C', out]);
    else execFileSync('python3', ['-m', 'zipfile', '-e', file, out]);
    for (const f of ['a.txt', 'new.txt', 'sub/data.bin'])
      expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(dir, 'src/docs', f)))).toBe(
        true,
      );
    if (format === 'zip')
      expect(execFileSync('python3', ['-m', 'zipfile', '-t', file]).toString()).toMatch(/Done testing/);
  });

  it('compares two snapshots', async () => {
    const r = await json<DiffResult>(`/api/v1/repositories/local/diff?from=${first.shortId}&to=${second.id}`);
    const docs = path.join(dir, 'src/docs');
    expect(r).toMatchObject({ from: first.id, to: second.id, truncated: false });
    expect(r.changes).toEqual(
      expect.arrayContaining([
        { path: `${docs}/a.txt`, change: 'modified', type: 'file' },
        { path: `${docs}/new.txt`, change: 'added', type: 'file' },
        { path: `${docs}/page.html`, change: 'removed', type: 'file' },
      ]),
    );
    expect(r.totals.added.files).toBe(1);
  });

  it('restores selected paths inside restore_roots, lists overwrites in a dry run, refuses elsewhere', async () => {
    const docs = path.join(dir, 'src/docs');
    const target = path.join(dir, 'allowed/r');
    const url = snap(second.shortId, 'restore');
    const body = { paths: [docs], target: { kind: 'path', path: target } };
    const dry = (await (await post(url, { ...body, dryRun: true })).json()) as RestorePlan;
    expect(dry).toEqual({ target, overwrite: [], overwriteCount: 0, create: 5 });
    const r = await post(url, body);
    expect(r.status).toBe(202);
    const { runId } = (await r.json()) as { runId: number };
    await d.idle();
    expect(d.runs.get(runId)).toMatchObject({
      kind: 'restore',
      job: 'j',
      repository: 'local',
      outcome: 'succeeded',
    });
    for (const f of ['a.txt', 'new.txt', 'sub/data.bin'])
      expect(fs.readFileSync(path.join(target, docs, f)).equals(fs.readFileSync(path.join(docs, f)))).toBe(
        true,
      );
    const again = (await (await post(url, { ...body, dryRun: true })).json()) as RestorePlan;
    expect(again.overwriteCount).toBe(5);
    expect(again.overwrite).toContain(path.join(target, docs, 'a.txt'));
    expect((await post(url, body)).status).toBe(409);
    expect(
      (await post(url, { ...body, target: { kind: 'path', path: path.join(dir, 'elsewhere') } })).status,
    ).toBe(403);
    fs.symlinkSync(dir, path.join(dir, 'allowed/escape'));
    expect(
      (await post(url, { ...body, target: { kind: 'path', path: path.join(dir, 'allowed/escape/x') } }))
        .status,
    ).toBe(403);
    expect((await post(url, { ...body, target: { kind: 'path', path: `${dir}/allowed/../x` } })).status).toBe(
      400,
    );
    expect((await post(url, { ...body, paths: ['/a/../b'] })).status).toBe(400);
    expect((await post(url, { ...body, target: { kind: 'source' } })).status).toBe(400);
  });

  it('runs check, prune and drill as recorded runs', async () => {
    const check = (await (
      await post('/api/v1/repositories/local/check', { readDataSubset: '50%' })
    ).json()) as { runId: number };
    // One run at a time per repository: the check holds it (its lock alone settles for 200 ms).
    expect((await post('/api/v1/repositories/local/prune', {})).status).toBe(409);
    await d.idle();
    const prune = (await (await post('/api/v1/repositories/local/prune', {})).json()) as { runId: number };
    await d.idle();
    const drill = (await (await post('/api/v1/jobs/j/drill', {})).json()) as { runId: number };
    await d.idle();
    expect(d.runs.get(check.runId)).toMatchObject({
      kind: 'check',
      repository: 'local',
      outcome: 'succeeded',
    });
    expect(d.runs.get(prune.runId)).toMatchObject({ kind: 'prune', outcome: 'succeeded' });
    expect(d.runs.get(drill.runId)).toMatchObject({
      kind: 'drill',
      job: 'j',
      repository: 'local',
      outcome: 'succeeded',
    });
    const runs = await json<{ id: number }[]>('/api/v1/repositories/local/runs');
    expect(runs.map((r) => r.id)).toEqual(expect.arrayContaining([check.runId, prune.runId, drill.runId]));
    const log = await json<{ log: { message: string }[] }>(`/api/v1/runs/${check.runId}`);
    expect(log.log.map((l) => l.message)).toContain('no errors were found');
    expect((await post('/api/v1/repositories/local/check', { readDataSubset: 'lots' })).status).toBe(400);
    expect((await post('/api/v1/repositories/local/check', { nope: 1 })).status).toBe(400);
  });

  it('serves the cached repository figures, their history, the metrics, the locks and the overview', async () => {
    await d.stats.settled();
    const [repo] = await json<Repository[]>('/api/v1/repositories');
    expect(repo).toMatchObject({ name: 'local', snapshots: 2, error: null });
    expect(repo!.storedBytes).toBeGreaterThan(300_000);
    expect(repo!.restoreBytes).toBeGreaterThan(2 * 300_000);
    expect(repo!.dedupRatio).toBeCloseTo(repo!.restoreBytes! / repo!.storedBytes!);
    const { deps, opts } = d.access('local', new AbortController().signal, { noLock: true });
    const restic = await repositoryStats(deps, opts, { mode: 'restore-size' });
    expect(repo!.restoreBytes).toBe(restic.total_size);
    const hist = await json<{ storedBytes: number; snapshots: number }[]>(
      '/api/v1/repositories/local/stats-history',
    );
    expect(hist.length).toBeGreaterThanOrEqual(2);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/^cairn_repository_snapshots\{repository="local"\} 2$/m);
    expect(metrics).toContain(`cairn_repository_stored_bytes{repository="local"} ${repo!.storedBytes}`);
    expect(await json<unknown[]>('/api/v1/repositories/local/locks')).toEqual([]);
    const o = await json<{ jobs: { name: string }[]; repositories: Repository[]; alerts: unknown[] }>(
      '/api/v1/overview',
    );
    expect(o.jobs.map((j) => j.name)).toEqual(['j', 'small']);
    expect(o.repositories).toHaveLength(1);
    expect(o.alerts).toEqual([]);
  });

  it('caps a diff at 10,000 changes and says so, counting them all', async () => {
    await d.trigger('small', 'backup', 'manual');
    await d.idle();
    const [small] = await json<SnapshotListed[]>('/api/v1/repositories/local/snapshots?job=small');
    const r = await json<DiffResult>(`/api/v1/repositories/local/diff?from=${second.id}&to=${small!.id}`);
    expect(r.truncated).toBe(true);
    expect(r.changes).toHaveLength(10_000);
    expect(r.totals.removed.files).toBe(BIG);
  });
});
