import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../src/backend/index.js';
import { RestBackend, openRestBackend, parseRestLocation } from '../../src/backend/rest/index.js';
import { runBackendConformance } from '../../src/backend/testing/index.js';
import { CairnError } from '../../src/core/index.js';
import { Sandbox, cairn, randomData, restic, treeDigest } from '../harness/cli.js';
import { RcloneRest } from '../harness/rclone-rest.js';

const MiB = 1024 * 1024;
const hex = (): string => randomBytes(32).toString('hex');

async function failure(p: Promise<unknown>): Promise<CairnError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CairnError);
    return err as CairnError;
  }
  throw new Error('expected the call to fail');
}

async function listAll(b: Backend, type: Handle['type']): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const fi of b.list(type)) out[fi.name] = fi.size;
  return out;
}

let rclone: RcloneRest;
let repoNo = 0;
beforeAll(async () => {
  rclone = await RcloneRest.start();
});
afterAll(async () => {
  await rclone.stop();
});

/** rclone serves any number of repositories below its root, so every test gets a fresh `/rN/`. */
const freshRepo = (): Backend => openRestBackend(rclone.repo(`r${repoNo++}`), {}, {});

runBackendConformance('REST (rclone serve restic)', freshRepo);

describe('REST backend against rclone serve restic', () => {
  it('round-trips a 32 MiB file, with exact ranged reads at its edges', async () => {
    const b = freshRepo();
    await b.create();
    const data = randomBytes(32 * MiB);
    const h: Handle = { type: 'data', name: hex() };
    await b.write(h, data);
    expect((await b.read(h)).equals(data)).toBe(true);
    expect((await b.read(h, 0, 1)).equals(data.subarray(0, 1))).toBe(true);
    expect((await b.read(h, 32 * MiB - 1)).equals(data.subarray(32 * MiB - 1))).toBe(true);
    expect(
      (await b.read(h, 16 * MiB - 7, 4 * MiB + 11)).equals(data.subarray(16 * MiB - 7, 20 * MiB + 4)),
    ).toBe(true);
    expect(await b.read(h, 32 * MiB)).toHaveLength(0);
    expect((await failure(b.read(h, 32 * MiB - 1, 2))).code).toBe('fatal');
    await b.close();
  });

  it('writes and reads 16 MiB packs at a measurable rate on loopback', async () => {
    const b = freshRepo();
    await b.create();
    const packs = Array.from({ length: 6 }, (): { h: Handle; data: Buffer } => ({
      h: { type: 'data', name: hex() },
      data: randomBytes(16 * MiB),
    }));
    let t = performance.now();
    for (const p of packs) await b.write(p.h, p.data);
    const writeMBs = (packs.length * 16) / ((performance.now() - t) / 1000);
    t = performance.now();
    for (const p of packs) expect((await b.read(p.h)).length).toBe(16 * MiB);
    const readMBs = (packs.length * 16) / ((performance.now() - t) / 1000);
    t = performance.now();
    await Promise.all(packs.map((p) => b.read(p.h, 4 * MiB, 8 * MiB)));
    const rangedMBs = (packs.length * 8) / ((performance.now() - t) / 1000);
    console.log(
      `REST on loopback (rclone serve restic): write ${writeMBs.toFixed(0)} MiB/s, read ${readMBs.toFixed(0)} MiB/s, ` +
        `parallel 8 MiB ranged reads ${rangedMBs.toFixed(0)} MiB/s`,
    );
    expect(writeMBs).toBeGreaterThan(5);
    expect(readMBs).toBeGreaterThan(5);
    await b.close();
  });

  it('reports an unreachable server as retryable unavailable', async () => {
    const gone = await RcloneRest.start();
    const url = gone.repo('x');
    await gone.stop();
    const err = await failure(openRestBackend(url, {}, {}).stat({ type: 'config', name: 'config' }));
    expect([err.code, err.retryable]).toEqual(['unavailable', true]);
    expect(err.message).toMatch(
      /Cannot reach the REST server rest:http:\/\/127\.0\.0\.1:\d+\/x\/ \(ECONNREFUSED\)/,
    );
  });
});

describe('REST backend with authentication (rclone --user/--pass)', () => {
  let server: RcloneRest;
  beforeAll(async () => {
    server = await RcloneRest.start({ user: 'alice', pass: 's3cr:t@' });
  });
  afterAll(() => server.stop());

  it('refuses a wrong password with access-denied that says to check the credentials, without the password', async () => {
    const b = openRestBackend(server.repo('a', { user: 'alice', pass: 'wrong-pw' }), {}, {});
    const err = await failure(b.create());
    expect([err.code, err.retryable]).toEqual(['access-denied', false]);
    expect(err.message).toMatch(/user name and password/);
    expect(err.message).not.toContain('wrong-pw');
    await b.close();
  });

  it('refuses a request without credentials', async () => {
    const err = await failure(
      openRestBackend(server.repo('a'), {}, {}).stat({ type: 'config', name: 'config' }),
    );
    expect(err.code).toBe('access-denied');
  });

  it('works with the right credentials from the URL', async () => {
    const b = openRestBackend(server.repo('a', { user: 'alice', pass: 's3cr:t@' }), {}, {});
    await b.create();
    await b.write({ type: 'config', name: 'config' }, Buffer.from('cfg'));
    expect((await b.read({ type: 'config', name: 'config' })).toString()).toBe('cfg');
    await b.close();
  });

  it('works with the credentials from CAIRN_REST_USERNAME/CAIRN_REST_PASSWORD', async () => {
    const env = {
      CAIRN_REST_USERNAME: 'alice',
      CAIRN_REST_PASSWORD: 's3cr:t@',
      RESTIC_REST_PASSWORD: 'other',
    };
    const b = openRestBackend(server.repo('b'), {}, env);
    await b.create();
    expect(await listAll(b, 'keys')).toEqual({});
    await b.close();
  });
});

describe('REST backend against an append-only server (rclone --append-only)', () => {
  it('adds files but is refused deleting one, with a sentence that names append-only', async () => {
    const server = await RcloneRest.start({ appendOnly: true });
    try {
      const b = openRestBackend(server.repo('ao'), {}, {});
      await b.create();
      const h: Handle = { type: 'data', name: hex() };
      await b.write(h, Buffer.from('kept'));
      const err = await failure(b.remove(h));
      expect(err.code).toBe('access-denied');
      expect(err.message).toMatch(/append-only/);
      expect((await b.read(h)).toString()).toBe('kept');
      await b.close();
    } finally {
      await server.stop();
    }
  });
});

describe('REST backend over https (rclone --cert/--key)', () => {
  let server: RcloneRest;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-rest-tls-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    server = await RcloneRest.start({ tls: { cert, key } });
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the server with -o rest.cacert', async () => {
    const b = openRestBackend(server.repo('t'), { 'rest.cacert': path.join(dir, 'cert.pem') }, {});
    await b.create();
    await b.write({ type: 'config', name: 'config' }, Buffer.from('tls'));
    expect((await b.read({ type: 'config', name: 'config' })).toString()).toBe('tls');
    await b.close();
  });

  it('refuses an untrusted certificate permanently, naming -o rest.cacert', async () => {
    const err = await failure(openRestBackend(server.repo('t'), {}, {}).create());
    expect([err.code, err.retryable]).toEqual(['access-denied', false]);
    expect(err.message).toMatch(/rest\.cacert/);
  });
});

/**
 * Protocol edges no available real server shows: no v1-only REST server is packaged, nor one that ignores Range or
 * cuts bodies, so a scripted node:http server plays them.
 */
describe('REST backend against a scripted server (protocol edges)', () => {
  type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let handler: Handler = (_req, res) => res.end();
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `rest:http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const backend = (idleMs?: number): RestBackend => new RestBackend(parseRestLocation(base, {}, {}), idleMs);
  const h: Handle = { type: 'data', name: 'ab'.repeat(32) };

  it('lists a v1 server (names only) with sizes fetched by HEAD', async () => {
    const sizes: Record<string, number> = { aa: 3, bb: 5, cc: 0 };
    handler = (req, res) => {
      if (req.method === 'GET' && req.url === '/repo/index/') {
        res.writeHead(200, { 'content-type': 'application/vnd.x.restic.rest.v1' });
        res.end(JSON.stringify(Object.keys(sizes)));
      } else if (req.method === 'HEAD')
        res.writeHead(200, { 'content-length': sizes[path.basename(req.url!)] }).end();
      else res.writeHead(500).end();
    };
    expect(await listAll(backend(), 'index')).toEqual(sizes);
  });

  it('sends the v2 Accept header and Basic credentials', async () => {
    let accept: string | undefined;
    let auth: string | undefined;
    handler = (req, res) => {
      accept = req.headers.accept;
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/vnd.x.restic.rest.v2' }).end('[]');
    };
    const b = new RestBackend(parseRestLocation(base.replace('//', '//bob:pw@'), {}, {}));
    await listAll(b, 'keys');
    expect(accept).toBe('application/vnd.x.restic.rest.v2');
    expect(auth).toBe(`Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });

  it('treats a 404 for a type folder (rest-server without that folder) as an empty list', async () => {
    handler = (_req, res) => res.writeHead(404).end('not found');
    expect(await listAll(backend(), 'snapshots')).toEqual({});
  });

  it('refuses a garbage listing with a fatal sentence about the protocol', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>');
    const err = await failure(listAll(backend(), 'data'));
    expect(err.code).toBe('fatal');
    expect(err.message).toMatch(/not restic's REST protocol/);
  });

  it('slices the whole body when a server ignores Range', async () => {
    const data = randomBytes(1000);
    handler = (_req, res) => res.writeHead(200, { 'content-length': data.length }).end(data);
    expect((await backend().read(h, 10, 20)).equals(data.subarray(10, 30))).toBe(true);
    expect((await failure(backend().read(h, 990, 20))).code).toBe('fatal');
  });

  it('makes a body cut short a retryable error', async () => {
    handler = (_req, res) => {
      res.writeHead(206, { 'content-length': 100, 'content-range': 'bytes 0-99/1000' });
      res.write(Buffer.alloc(40));
      setTimeout(() => res.destroy(), 20);
    };
    const err = await failure(backend().read(h, 0, 100));
    expect([err.code, err.retryable]).toEqual(['unavailable', true]);
  });

  it('makes a stalled server a retryable timeout', async () => {
    handler = () => undefined;
    const err = await failure(backend(200).stat(h));
    expect([err.code, err.retryable]).toEqual(['unavailable', true]);
    expect(err.message).toMatch(/ETIMEDOUT/);
  });

  it.each([
    [500, 'unavailable', true],
    [503, 'unavailable', true],
    [429, 'unavailable', true],
    [507, 'no-space', false],
    [413, 'no-space', false],
    [401, 'access-denied', false],
    [400, 'fatal', false],
  ] as const)('maps a write answered %i to %s', async (status, code, retryable) => {
    handler = (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end('no'));
    };
    const err = await failure(backend().write(h, Buffer.alloc(10)));
    expect([err.code, err.retryable]).toEqual([code, retryable]);
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('reports no-space when a server refuses an upload before reading its body', async () => {
    handler = (_req, res) => {
      res.writeHead(413, { connection: 'close' }).end('too large');
    };
    const err = await failure(backend().write(h, randomBytes(16 * MiB)));
    expect([err.code, err.retryable]).toEqual(['no-space', false]);
  });

  it("creates a repository with POST ?create=true and uses restic's REST layout", async () => {
    seen.length = 0;
    handler = (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-length': 0 }).end());
    };
    const b = backend();
    await b.create();
    await b.write(h, Buffer.alloc(1));
    await b.remove({ type: 'config', name: 'config' });
    expect(seen).toEqual(['POST /repo/?create=true', `POST /repo/data/${h.name}`, 'DELETE /repo/config']);
  });
});

describe('CLI and restic interop through rclone serve restic', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
  });
  afterAll(() => sb.cleanup());

  it('Cairn backs up and restores through REST, and restic checks the folder rclone wrote', async () => {
    const src = sb.path('src');
    sb.write('src/a.txt', 'hello rest\n');
    sb.write('src/big.bin', randomData(3 * MiB + 17, 7));
    sb.write('src/sub/b.txt', 'nested\n'.repeat(1000));
    const repo = rclone.repo('cli');
    const pw = ['-p', sb.path('pw')];
    const init = await cairn(sb, ['-r', repo, ...pw, 'init']);
    expect(init.code, init.stderr).toBe(0);
    const backup = await cairn(sb, ['-r', repo, ...pw, 'backup', src]);
    expect(backup.code, backup.stderr).toBe(0);
    const target = sb.path('restored');
    const restore = await cairn(sb, ['-r', repo, ...pw, 'restore', 'latest', '--target', target]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
    const check = await restic(sb, ['-r', path.join(rclone.dir, 'cli'), ...pw, 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const snaps = await restic(sb, ['-r', repo, ...pw, 'snapshots', '--json']);
    expect(snaps.code, snaps.stderr).toBe(0);
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
  });

  it('says in one sentence that a wrong REST URL path has no repository', async () => {
    const res = await cairn(sb, ['-r', rclone.repo('nothing-here'), '-p', sb.path('pw'), 'snapshots']);
    expect(res.code).toBe(10);
    expect(res.stderr).toMatch(/does not exist|no repository/i);
  });
});
