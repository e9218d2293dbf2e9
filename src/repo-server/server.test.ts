import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from './auth.js';
import type { RepositoryServerOptions } from './server.js';
import { createRepositoryServer } from './server.js';

const V2 = 'application/vnd.x.restic.rest.v2';

function file(text: string): { data: Buffer; id: string } {
  const data = Buffer.from(text);
  return { data, id: createHash('sha256').update(data).digest('hex') };
}

/** alice/alice and bob/bob. */
const users: Authenticator = { authenticate: async (u, p) => (u === 'alice' || u === 'bob') && p === u };

const basic = (user: string, pass = user): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
});

/** A GET with the exact request target (fetch would normalise `..` and `%2e%2e` away). */
function rawGet(base: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path: target }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-server-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

let n = 0;
/** A server on a fresh folder whose root repository exists. */
async function start(opts: Partial<RepositoryServerOptions> = {}): Promise<{ url: string; root: string }> {
  const root = path.join(dir, `root-${n++}`);
  for (const t of ['data', 'keys', 'locks', 'snapshots', 'index'])
    fs.mkdirSync(path.join(root, t), { recursive: true });
  const server = createRepositoryServer({ root, ...opts });
  const url = await server.listen('127.0.0.1:0');
  stop = () => server.close();
  return { url, root };
}

/** Every file below `root`, relative to it. */
const filesBelow = (root: string): string[] =>
  fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();

describe('REST repository server', () => {
  it('creates a repository, stores and reads config, and answers HEAD with the size', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/r/?create=true`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${url}/r/`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${url}/r/config`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${url}/r/config`, { method: 'POST', body: 'cfg' })).status).toBe(200);
    const head = await fetch(`${url}/r/config`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('3');
    expect(await (await fetch(`${url}/r/config`)).text()).toBe('cfg');
  });

  it('config is never overwritten with different bytes, but the same bytes again succeed', async () => {
    const { url } = await start();
    await fetch(`${url}/config`, { method: 'POST', body: 'one' });
    expect((await fetch(`${url}/config`, { method: 'POST', body: 'one' })).status).toBe(200);
    expect((await fetch(`${url}/config`, { method: 'POST', body: 'two' })).status).toBe(403);
    expect(await (await fetch(`${url}/config`)).text()).toBe('one');
  });

  it('lists in v1 (names) by default and v2 (names and sizes) when asked', async () => {
    const { url } = await start();
    const f = file('snapshot');
    await fetch(`${url}/snapshots/${f.id}`, { method: 'POST', body: f.data });
    const v1 = await fetch(`${url}/snapshots/`);
    expect(v1.headers.get('content-type')).toBe('application/vnd.x.restic.rest.v1');
    expect(await v1.json()).toEqual([f.id]);
    const v2 = await fetch(`${url}/snapshots/`, { headers: { Accept: V2 } });
    expect(v2.headers.get('content-type')).toBe(V2);
    expect(await v2.json()).toEqual([{ name: f.id, size: f.data.length }]);
    expect(await (await fetch(`${url}/index/`, { headers: { Accept: V2 } })).json()).toEqual([]);
  });

  it('serves single byte ranges with 206 and refuses ranges past the end with 416', async () => {
    const { url } = await start();
    const f = file('0123456789');
    await fetch(`${url}/data/${f.id}`, { method: 'POST', body: f.data });
    const part = await fetch(`${url}/data/${f.id}`, { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const tail = await fetch(`${url}/data/${f.id}`, { headers: { Range: 'bytes=7-' } });
    expect(await tail.text()).toBe('789');
    const bad = await fetch(`${url}/data/${f.id}`, { headers: { Range: 'bytes=10-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
    expect(await (await fetch(`${url}/data/${f.id}`)).text()).toBe('0123456789');
  });

  it('missing files are 404 for HEAD, GET and DELETE', async () => {
    const { url } = await start();
    const id = 'cd'.repeat(32);
    for (const method of ['HEAD', 'GET', 'DELETE']) {
      expect((await fetch(`${url}/keys/${id}`, { method })).status, method).toBe(404);
    }
  });

  it('rejects an upload whose sha256 is not its name, and stores nothing', async () => {
    const { url, root } = await start();
    const f = file('payload');
    expect((await fetch(`${url}/data/${'00'.repeat(32)}`, { method: 'POST', body: f.data })).status).toBe(
      400,
    );
    expect(await (await fetch(`${url}/data/`)).json()).toEqual([]);
    expect(filesBelow(root)).toEqual([]);
  });

  it('with verification off, any name is stored', async () => {
    const { url } = await start({ verifyUpload: false });
    expect((await fetch(`${url}/data/${'00'.repeat(32)}`, { method: 'POST', body: 'x' })).status).toBe(200);
  });

  it('unknown paths and escapes are 404 and touch no file', async () => {
    fs.writeFileSync(path.join(dir, 'config'), 'outside');
    const { url, root } = await start();
    for (const p of [
      '/../config',
      '/a/../../config',
      '/%2e%2e/config',
      '/a/%2e%2e/%2e%2e/config',
      '/.htpasswd/config',
      '/data/xyz',
      '/a/config/x',
    ]) {
      expect(await rawGet(url, p), p).toBe(404);
    }
    expect(filesBelow(root)).toEqual([]);
  });

  it('answers 405 with Allow for methods a resource does not have', async () => {
    const { url } = await start();
    const r = await fetch(`${url}/data/`, { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET');
  });

  it('serves each repository path from its own folder, and listing a missing repository is 404', async () => {
    const { url, root } = await start();
    await fetch(`${url}/a/b/config`, { method: 'POST', body: 'ab' });
    await fetch(`${url}/c/config`, { method: 'POST', body: 'c' });
    expect(filesBelow(root)).toEqual(['a/b/config', 'c/config']);
    expect((await fetch(`${url}/nothere/keys/`)).status).toBe(404);
  });
});

describe('authentication and private repositories', () => {
  it('without valid credentials every request is 401 with a Basic challenge', async () => {
    const { url } = await start({ authenticator: users });
    const none = await fetch(`${url}/config`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    expect((await fetch(`${url}/config`, { headers: basic('alice', 'wrong') })).status).toBe(401);
    expect((await fetch(`${url}/config`, { headers: basic('alice') })).status).toBe(404);
  });

  it('with --private-repos a user reaches only their own folder', async () => {
    const { url } = await start({ authenticator: users, privateRepos: true });
    expect(
      (await fetch(`${url}/alice/?create=true`, { method: 'POST', headers: basic('alice') })).status,
    ).toBe(200);
    expect(
      (await fetch(`${url}/alice/work/config`, { method: 'POST', headers: basic('alice'), body: 'x' }))
        .status,
    ).toBe(200);
    expect((await fetch(`${url}/alice/work/config`, { headers: basic('bob') })).status).toBe(403);
    expect((await fetch(`${url}/config`, { headers: basic('alice') })).status).toBe(403);
  });

  it('refuses --private-repos without authentication', () => {
    expect(() => createRepositoryServer({ root: dir, privateRepos: true })).toThrow(/no-auth/);
  });
});

describe('append-only', () => {
  it('allows creating and reading, refuses deleting except locks', async () => {
    const { url } = await start({ appendOnly: true });
    const snap = file('snap');
    const lock = file('lock');
    expect((await fetch(`${url}/snapshots/${snap.id}`, { method: 'POST', body: snap.data })).status).toBe(
      200,
    );
    expect((await fetch(`${url}/locks/${lock.id}`, { method: 'POST', body: lock.data })).status).toBe(200);
    expect((await fetch(`${url}/snapshots/${snap.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(`${url}/config`, { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(`${url}/locks/${lock.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await fetch(`${url}/snapshots/${snap.id}`)).text()).toBe('snap');
  });

  it('refuses overwriting an object with other bytes, accepts a retried identical upload', async () => {
    const { url } = await start({ appendOnly: true, verifyUpload: false });
    const id = 'ef'.repeat(32);
    expect((await fetch(`${url}/index/${id}`, { method: 'POST', body: 'first' })).status).toBe(200);
    expect((await fetch(`${url}/index/${id}`, { method: 'POST', body: 'first' })).status).toBe(200);
    expect((await fetch(`${url}/index/${id}`, { method: 'POST', body: 'other' })).status).toBe(403);
    expect(await (await fetch(`${url}/index/${id}`)).text()).toBe('first');
  });
});

describe('size limits', () => {
  it('--max-size: an upload that would exceed the total gets 413 and is not stored; deleting frees space', async () => {
    const { url } = await start({ maxSize: { maxBytes: 100, usedBytes: 40 } });
    const a = file('a'.repeat(50));
    const b = file('b'.repeat(20));
    expect((await fetch(`${url}/data/${a.id}`, { method: 'POST', body: a.data })).status).toBe(200);
    expect((await fetch(`${url}/data/${b.id}`, { method: 'POST', body: b.data })).status).toBe(413);
    expect((await fetch(`${url}/data/${b.id}`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${url}/data/${a.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${url}/data/${b.id}`, { method: 'POST', body: b.data })).status).toBe(200);
  });

  it('--max-size also holds for a chunked upload without Content-Length', async () => {
    const { url } = await start({ maxSize: { maxBytes: 10, usedBytes: 0 } });
    const f = file('x'.repeat(20));
    const body = new ReadableStream({
      start(c) {
        c.enqueue(f.data);
        c.close();
      },
    });
    const r = await fetch(`${url}/data/${f.id}`, { method: 'POST', body, duplex: 'half' });
    expect(r.status).toBe(413);
  });

  it('an upload bigger than the upload bound gets 413', async () => {
    const { url } = await start({ maxUploadBytes: 16 });
    const f = file('y'.repeat(17));
    expect((await fetch(`${url}/data/${f.id}`, { method: 'POST', body: f.data })).status).toBe(413);
  });
});
