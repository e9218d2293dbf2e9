/**
 * serve-repo against faulty and hostile clients (issue 16): cut-off uploads must give their quota back, racing
 * writers of one name must not overwrite each other, and wrong passwords must not stall valid users.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../util/index.js';
import { HtpasswdAuthenticator } from './auth.js';
import type { RepositoryServerOptions } from './server.js';
import { createRepositoryServer } from './server.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const basic = (user: string, pass: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
});

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-hostile-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

let n = 0;
async function start(opts: Partial<RepositoryServerOptions> = {}): Promise<{ url: string; root: string }> {
  const root = path.join(dir, `root-${n++}`);
  fs.mkdirSync(root);
  const server = createRepositoryServer({ root, ...opts });
  const url = await server.listen('127.0.0.1:0');
  stop = () => server.close();
  if (!opts.authenticator) expect((await fetch(`${url}/?create=true`, { method: 'POST' })).status).toBe(200);
  return { url, root };
}

/** Declares `declared` bytes, sends `sent` of them, then drops the connection; resolves once it is gone. */
function cutOffUpload(url: string, target: string, declared: number, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(`${url}${target}`, {
      method: 'POST',
      headers: { 'Content-Length': String(declared) },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(Buffer.alloc(sent, 1), () => setTimeout(() => req.destroy(), 50));
  });
}

/** Files below `root` whose name is not a repository file: temporary files left behind. */
function strayFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'config' && !/^[0-9a-f]{64}$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** A GET from a chosen loopback source address (fetch cannot pick one). */
function statusFrom(
  url: string,
  target: string,
  headers: Record<string, string>,
  from: string,
): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${url}${target}`, { headers, localAddress: from, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

describe('--max-size reservations', () => {
  it('cut-off, refused and failed uploads give back everything they reserved', async () => {
    const { url, root } = await start({ maxSize: { maxBytes: 12 * MiB, usedBytes: 0 } });
    for (let i = 0; i < 4; i++) await cutOffUpload(url, `/data/${'ab'.repeat(32)}`, 5 * MiB, MiB);
    // A body whose hash is not its name is refused (400); its reservation must go back too.
    const wrong = Buffer.alloc(3 * MiB, 2);
    expect((await fetch(`${url}/data/${'cd'.repeat(32)}`, { method: 'POST', body: wrong })).status).toBe(400);
    await eventually(() => strayFiles(root).length === 0);
    const ok = Buffer.alloc(10 * MiB, 3);
    expect((await fetch(`${url}/data/${sha(ok)}`, { method: 'POST', body: ok })).status).toBe(200);
    expect(strayFiles(root)).toEqual([]);
  });

  it('a second upload of an existing object costs nothing and a deleted one frees its size', async () => {
    const { url } = await start({ maxSize: { maxBytes: 3 * MiB, usedBytes: 0 } });
    const a = Buffer.alloc(2 * MiB, 4);
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${url}/data/${sha(a)}`, { method: 'POST', body: a })).status).toBe(200);
    }
    const b = Buffer.alloc(2 * MiB, 5);
    expect((await fetch(`${url}/data/${sha(b)}`, { method: 'POST', body: b })).status).toBe(413);
    expect((await fetch(`${url}/data/${sha(a)}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${url}/data/${sha(b)}`, { method: 'POST', body: b })).status).toBe(200);
  });
});

describe('exclusive creation', () => {
  it('append-only: of ten racing writers of config exactly one succeeds, and its bytes stay', async () => {
    const { url, root } = await start({ appendOnly: true });
    const bodies = Array.from({ length: 10 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
    const statuses = await Promise.all(
      bodies.map(async (body) => (await fetch(`${url}/config`, { method: 'POST', body })).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(9);
    const winner = bodies[statuses.indexOf(200)]!;
    expect(fs.readFileSync(path.join(root, 'config')).equals(winner)).toBe(true);
    expect((await fetch(`${url}/config`, { method: 'POST', body: winner })).status).toBe(200);
    expect((await fetch(`${url}/config`, { method: 'POST', body: 'other' })).status).toBe(403);
    expect(strayFiles(root)).toEqual([]);
  });

  it('without verification racing writers of one object name never overwrite each other', async () => {
    const { url, root } = await start({ verifyUpload: false });
    const name = `snapshots/${'ee'.repeat(32)}`;
    const bodies = Array.from({ length: 10 }, (_, i) => Buffer.alloc(128 * 1024, i + 1));
    const statuses = await Promise.all(
      bodies.map(async (body) => (await fetch(`${url}/${name}`, { method: 'POST', body })).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const winner = bodies[statuses.indexOf(200)]!;
    expect(fs.readFileSync(path.join(root, name)).equals(winner)).toBe(true);
  });
});

describe('authentication under a password-guessing client', () => {
  let auth: HtpasswdAuthenticator;
  let file: string;
  beforeAll(() => {
    file = path.join(dir, 'htpasswd');
    // The attacked user has a costly hash (~0.3 s in JavaScript): 40 guesses are seconds of CPU.
    const lines = ['alice', 'bob', 'mallory'].map(
      (u) => `${u}:${bcrypt.hashSync(`${u}-pw`, u === 'mallory' ? 12 : 10)}`,
    );
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
  });
  // The server closes its authenticator: each test has its own.
  beforeEach(async () => {
    auth = await HtpasswdAuthenticator.load(file, { clock: systemClock });
  });
  afterEach(() => auth.close());

  it('80 wrong-password requests from one address do not stall a valid user elsewhere', async () => {
    const { url } = await start({ authenticator: auth });
    const timeFirst = async (user: string): Promise<number> => {
      const t = performance.now();
      expect((await fetch(`${url}/config`, { headers: basic(user, `${user}-pw`) })).status).toBe(404);
      return performance.now() - t;
    };
    // A first request of a user pays for one bcrypt check (later ones hit the cache).
    const baseline = await timeFirst('bob');
    const attack = Array.from({ length: 80 }, (_, i) =>
      statusFrom(url, '/config', basic('mallory', `guess-${i}`), '127.0.0.2'),
    );
    await new Promise((r) => setTimeout(r, 100));
    const underAttack = await timeFirst('alice');
    expect(underAttack).toBeLessThan(Math.max(1500, 3 * baseline));
    // The guesses are slowed down, not refused: the first one is answered 401 (the rest end with the server).
    expect(await attack[0]).toBe(401);
  }, 60_000);

  it('an unknown user costs about as much as a wrong password (no timing oracle)', async () => {
    let client = 0;
    // Each from its own address: the slow-down of repeated failures is not what is measured here.
    const time = async (user: string): Promise<number> => {
      const t = performance.now();
      expect(await auth.authenticate(user, 'not-it', `10.0.0.${client++}`)).toBe(false);
      return performance.now() - t;
    };
    await time('mallory');
    let known = 0;
    let unknown = 0;
    for (let i = 0; i < 2; i++) {
      known += await time('mallory');
      unknown += await time(`ghost${i}`);
    }
    expect(unknown).toBeGreaterThan(known / 3);
  });
});
