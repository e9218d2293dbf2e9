/**
 * `cairn serve-repo` with restic 0.14 as an independent client. restic retries a refused request ten times
 * (about a minute), so tests that expect a refusal stop restic once it reports the status.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestBackend } from '../../src/backend/rest/index.js';
import { runBackendConformance } from '../../src/backend/testing/index.js';
import { ROOT, Sandbox, cairn, randomData, restic, treeDigest } from '../harness/cli.js';

const CAIRN = path.join(ROOT, 'bin/cairn.js');
const HTPASSWD = [
  `alice:${bcrypt.hashSync('alice-pw', 4).replace(/^\$2b\$/, '$2y$')}`,
  'bob:$apr1$abc$40RF2dTx.VKfQHjGWKyym/', // password "hello"
  'carol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', // password "password"
].join('\n');

interface Served {
  url: string;
  hostPort: string;
  stop(): Promise<void>;
}

let sb: Sandbox;
const children = new Set<ChildProcess>();

/** Starts `cairn serve-repo` on a free port and resolves once it prints where it listens. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CAIRN, 'serve-repo', '--listen', '127.0.0.1:0', ...args], {
    env: sb.env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    children.delete(child);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve-repo did not start: ${err}`)), 20_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (https?):\/\/([\d.]+:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `${m[1]}://${m[2]}`, hostPort: m[2]!, stop });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve-repo exited with ${code}: ${err}`)));
  });
}

/** Runs restic until its output matches `pattern`, then interrupts it (restic releases its lock on SIGINT). */
function resticUntil(args: string[], pattern: RegExp): Promise<{ matched: boolean; output: string }> {
  const child = spawn('restic', ['--no-cache', ...args], {
    env: sb.env({ RESTIC_PASSWORD: 'pw' }),
    cwd: sb.dir,
  });
  let output = '';
  let matched = false;
  const onData = (d: Buffer): void => {
    output += d.toString();
    if (!matched && pattern.test(output)) {
      matched = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('close', () => resolve({ matched, output })));
}

const rs = (args: string[]): ReturnType<typeof restic> =>
  restic(sb, args, { env: { RESTIC_PASSWORD: 'pw' } });
const auth = (user: string, pw: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
});

beforeAll(() => {
  sb = new Sandbox();
  sb.write('repos/.htpasswd', `${HTPASSWD}\n`);
  sb.write('src/random.bin', randomData(3 * 1024 * 1024 + 17, 7));
  sb.write('src/text.txt', 'some text\n'.repeat(20_000));
  sb.write('src/dir/small.txt', 'small\n');
  sb.write('big/random.bin', randomData(6 * 1024 * 1024, 9));
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  sb.cleanup();
});

describe('cairn serve-repo with restic as the client', () => {
  let srv: Served;
  beforeAll(async () => {
    srv = await serve(['--path', sb.path('repos'), '--private-repos']);
  });
  afterAll(() => srv.stop());

  it('restic inits, backs up, restores bit-exact and checks all data through the server', async () => {
    const repo = `rest:${srv.url.replace('//', '//alice:alice-pw@')}/alice/main`;
    expect((await rs(['-r', repo, 'init'])).code).toBe(0);
    const b = await rs(['-r', repo, 'backup', sb.path('src')]);
    expect(b.code, b.stderr).toBe(0);
    const snaps = await rs(['-r', repo, 'snapshots', '--json']);
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
    const target = sb.path('restored');
    expect((await rs(['-r', repo, 'restore', 'latest', '--target', target])).code).toBe(0);
    expect(treeDigest(path.join(target, sb.path('src')))).toEqual(treeDigest(sb.path('src')));
    const check = await rs(['-r', repo, 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // The files landed in restic's layout below DIR/alice/main.
    expect(fs.existsSync(sb.path('repos/alice/main/config'))).toBe(true);
  });

  it('accepts $apr1$ and {SHA} users too, and a wrong password makes restic fail with 401', async () => {
    expect((await rs(['-r', `rest:${srv.url.replace('//', '//bob:hello@')}/bob/`, 'init'])).code).toBe(0);
    expect((await rs(['-r', `rest:${srv.url.replace('//', '//carol:password@')}/carol/`, 'init'])).code).toBe(
      0,
    );
    const bad = await rs(['-r', `rest:${srv.url.replace('//', '//alice:wrong@')}/alice/main`, 'snapshots']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('401');
  });

  it('--private-repos: alice cannot read or create below /bob/', async () => {
    const r = await rs(['-r', `rest:${srv.url.replace('//', '//alice:alice-pw@')}/bob/`, 'snapshots']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('403');
    const create = await fetch(`${srv.url}/bob/other/?create=true`, {
      method: 'POST',
      headers: auth('alice', 'alice-pw'),
    });
    expect(create.status).toBe(403);
    expect(fs.existsSync(sb.path('repos/bob/other'))).toBe(false);
  });
});

describe('cairn serve-repo policies', () => {
  it('refuses to start without an htpasswd file unless --no-auth is given, in one sentence', async () => {
    const r = await cairn(sb, ['serve-repo', '--path', sb.path('no-htpasswd'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/htpasswd.*--no-auth/);
  });

  it('--no-auth serves restic without credentials', async () => {
    const srv = await serve(['--path', sb.path('open'), '--no-auth']);
    try {
      expect((await rs(['-r', `rest:${srv.url}/`, 'init'])).code).toBe(0);
      expect((await rs(['-r', `rest:${srv.url}/`, 'backup', sb.path('src/dir')])).code).toBe(0);
    } finally {
      await srv.stop();
    }
  });

  it('--append-only: backups work, forget is refused and nothing is deleted or overwritten', async () => {
    const srv = await serve(['--path', sb.path('append'), '--no-auth', '--append-only']);
    try {
      const repo = `rest:${srv.url}/r`;
      expect((await rs(['-r', repo, 'init'])).code).toBe(0);
      expect((await rs(['-r', repo, 'backup', sb.path('src/dir')])).code).toBe(0);
      expect((await rs(['-r', repo, 'backup', sb.path('src')])).code).toBe(0);
      const forget = await resticUntil(
        ['-r', repo, 'forget', '--keep-last', '1', '--group-by', 'host', '--prune'],
        /403 Forbidden/,
      );
      expect(forget.matched, forget.output).toBe(true);
      expect(JSON.parse((await rs(['-r', repo, 'snapshots', '--json'])).stdout)).toHaveLength(2);
      const snapshot = fs.readdirSync(sb.path('append/r/snapshots'))[0]!;
      expect((await fetch(`${srv.url}/r/config`, { method: 'POST', body: 'other' })).status).toBe(403);
      expect((await fetch(`${srv.url}/r/snapshots/${snapshot}`, { method: 'DELETE' })).status).toBe(403);
      const check = await rs(['-r', repo, 'check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      await srv.stop();
    }
  });

  it('--max-size: a backup that would exceed it gets 413, and the repository stays valid', async () => {
    const srv = await serve(['--path', sb.path('small'), '--no-auth', '--max-size', '2M']);
    try {
      const repo = `rest:${srv.url}/r`;
      expect((await rs(['-r', repo, 'init'])).code).toBe(0);
      const backup = await resticUntil(['-r', repo, 'backup', sb.path('big')], /413/);
      expect(backup.matched, backup.output).toBe(true);
      await rs(['-r', repo, 'unlock']);
      const check = await rs(['-r', repo, 'check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const stored = fs
        .readdirSync(sb.path('small'), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
      expect(stored).toBeLessThanOrEqual(2 * 1024 * 1024);
    } finally {
      await srv.stop();
    }
  });

  it('--tls serves HTTPS that restic trusts with --cacert', async () => {
    const dir = sb.path('tls');
    fs.mkdirSync(dir);
    const gen = spawn(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ed25519',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'private_key'),
        '-out',
        path.join(dir, 'public_key'),
      ],
      { stdio: 'ignore' },
    );
    expect(await new Promise((resolve) => gen.on('close', resolve))).toBe(0);
    const srv = await serve(['--path', dir, '--no-auth', '--tls']);
    try {
      expect(srv.url).toMatch(/^https:/);
      const cacert = path.join(dir, 'public_key');
      const init = await rs(['-r', `rest:${srv.url}/r`, '--cacert', cacert, 'init']);
      expect(init.code, init.stderr).toBe(0);
      const untrusted = await rs(['-r', `rest:${srv.url}/r`, 'snapshots']);
      expect(untrusted.code).not.toBe(0);
    } finally {
      await srv.stop();
    }
  });
});

describe("Cairn's REST client against cairn serve-repo", () => {
  let srv: Served;
  let repoNo = 0;
  beforeAll(async () => {
    srv = await serve(['--path', sb.path('conformance'), '--no-auth']);
  });
  afterAll(() => srv.stop());
  runBackendConformance('REST (cairn serve-repo)', () => openRestBackend(`rest:${srv.url}/c${repoNo++}/`, {}, {}));
});
