/** Smaller hardening of serve-repo (issue 16): log escaping, htpasswd checks, 100-continue, metrics. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from './auth.js';
import { parseHtpasswd } from './htpasswd.js';
import type { RepositoryServerOptions } from './server.js';
import { createRepositoryServer } from './server.js';

const users: Authenticator = { authenticate: async (u, p) => u === 'alice' && p === 'alice' };
const alice = { Authorization: `Basic ${Buffer.from('alice:alice').toString('base64')}` };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-edges-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function start(opts: Partial<RepositoryServerOptions> = {}): Promise<string> {
  const server = createRepositoryServer({ root: dir, ...opts });
  const url = await server.listen('127.0.0.1:0');
  stop = () => server.close();
  return url;
}

/** Sends headers with `Expect: 100-continue` and reports whether `100 Continue` came before the final status. */
function expectContinue(
  url: string,
  headers: Record<string, string>,
): Promise<{ continued: boolean; status: number }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(`${url}/config`, {
      method: 'POST',
      headers: { ...headers, Expect: '100-continue', 'Content-Length': '3' },
    });
    req.on('continue', () => {
      continued = true;
      req.end('cfg');
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ continued, status: res.statusCode ?? 0 });
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('serve-repo edges', () => {
  it('the access log escapes quotes and control characters a client sends', async () => {
    const lines: string[] = [];
    const url = await start({ accessLog: (l) => lines.push(l) });
    // Node's parser lets a tab through in a header value; other control characters are refused before us.
    const port = new URL(url).port;
    await new Promise<void>((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1', () =>
        s.end(
          'GET /keys/ HTTP/1.1\r\nHost: x\r\nUser-Agent: x" 200 0 "-" "forged\tline\r\nConnection: close\r\n\r\n',
        ),
      );
      s.resume();
      s.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"x\\" 200 0 \\"-\\" \\"forged\\x09line"');
    expect(lines[0]!.split('"').length - 1 - (lines[0]!.match(/\\"/g) ?? []).length).toBe(6);
  });

  it('an htpasswd line with an invalid bcrypt cost is named when the file is read', () => {
    const bad = `carol:$2y$99$${'a'.repeat(53)}`;
    const parsed = parseHtpasswd(`${bad}\n`);
    expect(parsed.users.has('carol')).toBe(false);
    expect(parsed.warnings.join('\n')).toMatch(/line 1: user carol .*bcrypt/);
  });

  it('Expect: 100-continue is answered only after authentication', async () => {
    const url = await start({ authenticator: users });
    expect(await expectContinue(url, {})).toEqual({ continued: false, status: 401 });
    expect(await expectContinue(url, alice)).toEqual({ continued: true, status: 200 });
  });

  it('--prometheus: /metrics needs a user unless --prometheus-no-auth, and counts per repository', async () => {
    let url = await start({ authenticator: users, metrics: { noAuth: false } });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    await fetch(`${url}/r/config`, { method: 'POST', headers: alice, body: 'abc' });
    const text = await (await fetch(`${url}/metrics`, { headers: alice })).text();
    expect(text).toContain('cairn_serve_requests_total{repo="r",method="POST",status="200"} 1');
    expect(text).toContain('cairn_serve_received_bytes_total{repo="r"} 3');
    await stop?.();
    url = await start({ authenticator: users, metrics: { noAuth: true } });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    // Without --prometheus there is no such page (the name is an ordinary repository folder).
    await stop?.();
    url = await start({ authenticator: users });
    expect((await fetch(`${url}/metrics`, { headers: alice })).status).not.toBe(200);
  });
});
