// The daemon's read sessions against a repository that other processes change: a backup and a prune by `cairn`
// (bin/cairn.js, so `npm run build` first) are seen by the next request, no lock stays behind, and a password changed
// by a config reload is checked anew.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotListed, TreeListing } from '../api/index.js';
import { parseConfig } from '../config/index.js';
import { ApiServer, createLogger, Daemon } from './index.js';
import { ReadSession } from './read-sessions.js';

const CAIRN = path.resolve(import.meta.dirname, '../../bin/cairn.js');
let dir: string;
let src: string;
let repo: string;
let d: Daemon;
let server: ApiServer;
let base: string;

const get = (p: string): Promise<Response> => fetch(`${base}/api/v1/repositories/local${p}`);
const json = async <T>(p: string): Promise<T> => {
  const r = await get(p);
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};
const cairn = (...args: string[]): string =>
  execFileSync(process.execPath, [CAIRN, ...args, '-r', repo, '--password-file', path.join(dir, 'pw')], {
    encoding: 'utf8',
  });
const yaml = (password: string): string => `
repositories:
  local: { url: ${repo}, password: ${password} }
jobs:
  j:
    sources: [${src}]
    schedule: { every: 1h }
    repositories: [local]
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-read-sessions-'));
  src = path.join(dir, 'src');
  repo = path.join(dir, 'repo');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(dir, 'pw'), 'pw\n', { mode: 0o600 });
  fs.writeFileSync(path.join(src, 'kept.txt'), 'kept in every snapshot\n');
  fs.writeFileSync(path.join(src, 'gone.txt'), 'only in the first snapshot\n');
  cairn('init');
  cairn('backup', src);
  const file = path.join(dir, 'cairn.yaml');
  fs.writeFileSync(file, yaml('pw'));
  d = new Daemon({
    loaded: { file, config: parseConfig(yaml('pw'), file, {}) },
    dataDir: path.join(dir, 'data'),
    logger: createLogger('error', new Writable({ write: (_c, _e, cb) => cb() })),
    backupWorkers: 0,
  });
  d.open({ exclusive: true });
  server = new ApiServer(d);
  base = await server.listen('127.0.0.1:0');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the daemon's read sessions", () => {
  it('see a backup and a prune made by other processes on the next request, and hold no lock', async () => {
    const [first] = await json<SnapshotListed[]>('/snapshots');
    expect((await json<TreeListing>(`/snapshots/${first!.id}/tree?path=${src}`)).entries.map((e) => e.name)).toEqual(
      ['gone.txt', 'kept.txt'],
    );
    fs.rmSync(path.join(src, 'gone.txt'));
    fs.writeFileSync(path.join(src, 'new.txt'), 'new in the second snapshot\n');
    cairn('backup', src);
    const two = await json<SnapshotListed[]>('/snapshots');
    expect(two).toHaveLength(2);
    const second = two[1]!;
    expect((await json<TreeListing>(`/snapshots/${second.id}/tree?path=${src}`)).entries.map((e) => e.name)).toEqual(
      ['kept.txt', 'new.txt'],
    );
    // Repacking everything moves the kept blobs to new packs and deletes the old packs and index files: a stale
    // index would point the download at a pack that is gone. The prune's exclusive lock also proves none is held.
    expect(fs.readdirSync(path.join(repo, 'locks'))).toEqual([]);
    cairn('forget', first!.id, '--prune', '--max-unused', '0');
    expect((await json<SnapshotListed[]>('/snapshots')).map((s) => s.id)).toEqual([second.id]);
    const kept = await get(`/snapshots/${second.id}/file?path=${src}/kept.txt`);
    expect(kept.status).toBe(200);
    expect(await kept.text()).toBe('kept in every snapshot\n');
    expect((await get(`/snapshots/${first!.id}/tree?path=${src}`)).status).toBe(404);
    // Reads arriving together share the refresh and all see the same state.
    fs.writeFileSync(path.join(src, 'third.txt'), 'third\n');
    cairn('backup', src);
    const lists = await Promise.all([1, 2, 3, 4].map(() => json<SnapshotListed[]>('/snapshots')));
    for (const l of lists) expect(l).toHaveLength(2);
    const third = lists[0]![1]!;
    const trees = await Promise.all(
      [1, 2, 3].map(() => json<TreeListing>(`/snapshots/${third.id}/tree?path=${src}`)),
    );
    for (const t of trees) expect(t.entries.map((e) => e.name)).toEqual(['kept.txt', 'new.txt', 'third.txt']);
  }, 60_000);

  it('checks the password anew after a reload changed it, and says it is wrong', async () => {
    expect((await get('/snapshots')).status).toBe(200);
    fs.writeFileSync(d.configFile, yaml('not-the-password'));
    expect(await d.reload()).toBe(true);
    const r = await get('/snapshots');
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(await r.text()).toMatch(/password/i);
    fs.writeFileSync(d.configFile, yaml('pw'));
    expect(await d.reload()).toBe(true);
    expect((await get('/snapshots')).status).toBe(200);
  }, 60_000);

  it('derives the key once, and closes the repository when unused for its idle time', async () => {
    let opens = 0;
    const session = new ReadSession(
      'local',
      (name, signal) => {
        opens++;
        return d.access(name, signal, { noLock: true });
      },
      '',
      100,
    );
    try {
      const first = await session.use(async (repo) => repo, { index: true });
      const again = await Promise.all([1, 2, 3].map(() => session.use(async (repo) => repo, { index: true })));
      expect(again.every((r) => r === first)).toBe(true);
      expect(opens).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      const later = await session.use(async (repo) => repo, { index: false });
      expect(later).not.toBe(first);
      expect(opens).toBe(2);
    } finally {
      await session.close();
    }
  });
});
