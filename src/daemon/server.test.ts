// The daemon's HTTP server on 127.0.0.1 with a real Daemon: open mode, logins and sessions, CSRF, bearer tokens,
// the login rate limit, the audit log, and the dashboard's static files (a fake build in a temp folder).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { ApiServer, createLogger, Daemon, hashPassword } from './index.js';

const TOKEN = 'test-token-0123456789abcdef';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-server-'));
const web = path.join(dir, 'web');
let daemon: Daemon;
let server: ApiServer;
let base: URL;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

/** One request with node:http (no URL normalisation, so that "..%2f" reaches the server as sent). */
function request(
  rawPath: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; from?: string } = {},
): Promise<Answer> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(body ? { 'content-type': 'application/json' } : {}) };
  Object.assign(headers, opts.headers);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: rawPath,
        method: opts.method ?? 'GET',
        headers,
        ...(opts.from ? { localAddress: opts.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const configText = (server: string): string => `
server: ${server}
repositories:
  local: { url: ${dir}/repo, password: pw, create: true }
jobs:
  j: { sources: [${dir}/src], schedule: { every: 24h }, repositories: [local] }
`;

/** Rewrites the config file and reloads it, as SIGHUP does: the server reads users and tokens per request. */
async function useServer(section: string): Promise<void> {
  fs.writeFileSync(path.join(dir, 'cairn.yaml'), configText(section));
  expect(await daemon.reload()).toBe(true);
}

const login = (user: string, password: string, from?: string): Promise<Answer> =>
  request('/api/v1/login', { method: 'POST', body: { user, password }, ...(from ? { from } : {}) });

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/a'), 'a');
  fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Cairn dashboard</title>');
  fs.writeFileSync(path.join(web, 'assets/app-1a2b3c.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'top secret');
  const file = path.join(dir, 'cairn.yaml');
  fs.writeFileSync(file, configText('{}'));
  daemon = new Daemon({
    loaded: { file, config: parseConfig(fs.readFileSync(file, 'utf8'), file, {}) },
    dataDir: path.join(dir, 'data'),
    logger: createLogger('error', new Writable({ write: (_c, _e, cb) => cb() })),
    backupWorkers: 0,
  });
  daemon.open({ exclusive: true });
  server = new ApiServer(daemon, { webRoot: web });
  base = new URL(await server.listen('127.0.0.1:0'));
});

afterAll(async () => {
  await server?.close();
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('open mode (no users, no tokens)', () => {
  it('needs no login, but a state-changing request needs the CSRF token and a local Host', async () => {
    await useServer('{}');
    const session = await request('/api/v1/session');
    expect(session.status).toBe(200);
    const { csrfToken, ...rest } = session.json() as { csrfToken: string };
    expect(rest).toEqual({ user: null, authRequired: false });
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await request('/api/v1/jobs')).status).toBe(200);
    const stale = await request('/api/v1/jobs', { headers: { authorization: 'Bearer left-over-token' } });
    expect(stale.status).toBe(200);
    const refused = await request('/api/v1/jobs/j/run', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({
      error: 'the X-CSRF-Token header is missing or wrong (GET /api/v1/session gives it)',
    });
    const ran = await request('/api/v1/jobs/j/run', {
      method: 'POST',
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(ran.status).toBe(202);
    await daemon.idle();
    const rebound = await request('/api/v1/jobs', { headers: { host: 'evil.example:8420' } });
    expect(rebound.status).toBe(403);
    const audit = (await request('/api/v1/audit')).json() as unknown[];
    expect(audit[0]).toMatchObject({
      user: 'anonymous',
      action: 'run',
      target: 'j',
      detail: expect.stringMatching(/^run \d+$/) as unknown,
    });
  });
});

describe('users and tokens', () => {
  let cookie = '';
  let csrf = '';

  beforeAll(async () => {
    const hash = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    await useServer(`{ tokens: ["${TOKEN}"], users: [{ name: ann, password_hash: "${hash}" }] }`);
  });

  it('refuses a wrong password and an unknown user with the same sentence', async () => {
    expect((await request('/api/v1/session')).status).toBe(401);
    const wrong = await login('ann', 'wrong horse');
    const unknown = await login('bob', 'correct horse');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json()).toEqual({ error: 'the user name or the password is wrong' });
    expect(unknown.json()).toEqual(wrong.json());
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const form = await request('/api/v1/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: { user: 'ann', password: 'correct horse' },
    });
    expect(form.status).toBe(415);
  });

  it('logs in with an HttpOnly SameSite=Strict cookie, Secure behind an https proxy', async () => {
    const ok = await login('ann', 'correct horse');
    expect(ok.status).toBe(200);
    const body = ok.json() as { user: string; authRequired: boolean; csrfToken: string };
    expect(body).toMatchObject({ user: 'ann', authRequired: true });
    const [setCookie] = ok.headers['set-cookie']!;
    expect(setCookie).toMatch(/^cairn_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    cookie = setCookie!.split(';')[0]!;
    csrf = body.csrfToken;
    const session = await request('/api/v1/session', { headers: { cookie } });
    expect(session.json()).toEqual({ user: 'ann', authRequired: true, csrfToken: csrf });
    const proxied = await request('/api/v1/login', {
      method: 'POST',
      body: { user: 'ann', password: 'correct horse' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(proxied.headers['set-cookie']![0]).toMatch(/; Secure$/);
  });

  it('refuses a state-changing request of the session without its CSRF token', async () => {
    expect((await request('/api/v1/jobs', { headers: { cookie } })).status).toBe(200);
    for (const headers of [{ cookie }, { cookie, 'x-csrf-token': 'x'.repeat(43) }]) {
      const r = await request('/api/v1/jobs/j/run', { method: 'POST', headers });
      expect(r.status).toBe(403);
    }
    const ran = await request('/api/v1/jobs/j/run', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(ran.status).toBe(202);
    await daemon.idle();
  });

  it('takes a bearer token without CSRF for /api and /metrics, and refuses a wrong one', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await request('/metrics', { headers: auth })).status).toBe(200);
    expect((await request('/metrics')).status).toBe(401);
    const wrong = await request('/api/v1/jobs', {
      headers: { authorization: 'Bearer wrong-0123456789abcdef' },
    });
    expect(wrong.status).toBe(401);
    const ran = await request('/api/v1/jobs/j/run', { method: 'POST', headers: auth });
    expect(ran.status).toBe(202);
    await daemon.idle();
  });

  it('logs out: the cookie is cleared and the session gone', async () => {
    const noCsrf = await request('/api/v1/logout', { method: 'POST', headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    const out = await request('/api/v1/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']![0]).toMatch(
      /^cairn_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/,
    );
    expect((await request('/api/v1/session', { headers: { cookie } })).status).toBe(401);
    expect((await request('/api/v1/jobs', { headers: { cookie } })).status).toBe(401);
  });

  it('records who did what in the audit log, newest first, without secrets', async () => {
    const r = await request('/api/v1/audit?limit=7', { headers: { authorization: `Bearer ${TOKEN}` } });
    const rows = r.json() as {
      user: string;
      action: string;
      target: string;
      detail: string | null;
      at: string;
    }[];
    expect(rows.map((x) => `${x.user} ${x.action} ${x.target}`)).toEqual([
      'ann logout ann',
      'token run j',
      'ann run j',
      'ann login ann',
      'ann login ann',
      'anonymous login-failed (unknown user)',
      'ann login-failed ann',
    ]);
    expect(rows[0]!.detail).toBe('from 127.0.0.1');
    expect(Date.parse(rows[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(r.text).not.toMatch(/horse|scrypt|test-token|bob/);
  });

  it('answers 429 with Retry-After after 5 failed logins from one address, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await login('ann', `guess ${i}`, '127.0.0.2')).status).toBe(401);
    const limited = await login('ann', 'correct horse', '127.0.0.2');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address is not held back.
    expect((await login('ann', 'correct horse', '127.0.0.3')).status).toBe(200);
  });
});

describe('the dashboard files', () => {
  it('serves index.html with the security headers, assets cached for long, and client routes', async () => {
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Cairn dashboard');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy':
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    const asset = await request('/assets/app-1a2b3c.js');
    expect(asset.text).toBe('console.log(1)');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const route = await request('/jobs/j', { headers: { accept: 'text/html,*/*' } });
    expect(route.status).toBe(200);
    expect(route.text).toContain('Cairn dashboard');
    expect((await request('/assets/gone.js', { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await request('/favicon.ico')).status).toBe(404);
    expect(
      (
        await request('/api/v1/nothing', {
          headers: { accept: 'text/html', authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    `/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
  ])('never serves a file outside the build: %s', async (p) => {
    for (const accept of ['*/*', 'text/html']) {
      const r = await request(p, { headers: { accept } });
      expect(r.text).not.toContain('top secret');
      if (accept === '*/*') expect(r.status).toBe(404);
    }
  });

  it('shows the small page when the dashboard is not built', async () => {
    const bare = new ApiServer(daemon, { webRoot: path.join(dir, 'no-build') });
    const url = await bare.listen('127.0.0.1:0');
    try {
      const res = await fetch(`${url}/`);
      expect(await res.text()).toContain('/metrics');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect((await fetch(`${url}/jobs/j`, { headers: { accept: 'text/html' } })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
