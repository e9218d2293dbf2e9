import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/index.js';
import { openS3Backend } from '../../src/backend/s3/index.js';
import { withRetry } from '../../src/backend/wrap/index.js';
import { Sandbox, cairn, randomData, restic, treeDigest } from '../harness/cli.js';
import type { RunResult } from '../harness/cli.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import type { S3rver } from '../harness/s3rver.js';
import { freePort } from '../harness/net.js';
import { startS3rver } from '../harness/s3rver.js';

const BODY = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** A target that serves BODY at any GET and echoes the length of any PUT. */
async function startTarget(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') {
        res.end(String(Buffer.concat(parts).length));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
      res.end(req.method === 'HEAD' ? undefined : BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('fault proxy', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let proxy: FaultProxy;
  beforeAll(async () => {
    target = await startTarget();
    proxy = await FaultProxy.start(target.url);
  });
  afterAll(async () => {
    await proxy.close();
    await target.close();
  });

  const get = async (path = '/obj'): Promise<Response> => fetch(`${proxy.url}${path}`);

  it('forwards requests untouched when no fault is set', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
    const put = await fetch(`${proxy.url}/obj`, { method: 'PUT', body: BODY });
    expect(await put.text()).toBe('1000');
  });

  it('answers an error status for the next N matching requests only', async () => {
    proxy.inject({ method: 'GET', path: /^\/data\//, times: 2, fault: { kind: 'status', status: 503 } });
    expect((await get('/data/x')).status).toBe(503);
    expect((await get('/other')).status).toBe(200);
    expect((await get('/data/x')).status).toBe(503);
    const third = await get('/data/x');
    expect(third.status).toBe(200);
    expect(Buffer.from(await third.arrayBuffer())).toEqual(BODY);
  });

  it('resets the connection part-way through a response', async () => {
    proxy.inject({ times: 1, fault: { kind: 'reset' } });
    await expect(get().then((r) => r.arrayBuffer())).rejects.toThrow();
    expect((await get()).status).toBe(200);
  });

  it('cuts a body short after announcing its full length', async () => {
    proxy.inject({ times: 1, fault: { kind: 'truncate', bytes: 100 } });
    const res = await get();
    expect(res.headers.get('content-length')).toBe('1000');
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('flips exactly one bit of a body', async () => {
    proxy.inject({ times: 1, fault: { kind: 'corrupt' } });
    const got = Buffer.from(await (await get()).arrayBuffer());
    expect(got.length).toBe(BODY.length);
    let bits = 0;
    for (let i = 0; i < got.length; i++) bits += ((got[i]! ^ BODY[i]!).toString(2).match(/1/g) ?? []).length;
    expect(bits).toBe(1);
  });

  it('delays a request', async () => {
    proxy.inject({ times: 1, fault: { kind: 'delay', ms: 150 } });
    const t0 = performance.now();
    await (await get()).arrayBuffer();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('answers an HTML page instead of forwarding', async () => {
    proxy.inject({ times: 1, fault: { kind: 'garbage' } });
    const res = await get();
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toMatch(/<html>/);
  });

  it('counts the requests it saw and the faults it applied', () => {
    expect(proxy.count()).toBeGreaterThanOrEqual(12);
    expect(proxy.count({ method: 'PUT' })).toBe(1);
    expect(proxy.count({ fault: 'status' })).toBe(2);
    expect(proxy.faults).toBe(7);
  });
});

/** A failure the CLI reports as one sentence on one line, without a stack trace. */
function expectOneSentence(r: RunResult, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('S3 through the fault proxy', () => {
  let srv: S3rver;
  let proxy: FaultProxy;
  let sb: Sandbox;
  let src: string;
  const bucket = `faults-${process.pid}`;
  const repo = (): string => `s3:${proxy.url}/${bucket}`;
  const run = (args: string[], env: Record<string, string> = {}): Promise<RunResult> =>
    cairn(sb, ['-r', repo(), ...args], { env: { ...srv.env, RESTIC_PASSWORD: 'pw', ...env } });

  beforeAll(async () => {
    srv = await startS3rver();
    proxy = await FaultProxy.start(srv.endpoint);
    sb = new Sandbox();
    sb.write('src/a.bin', randomData(3 * 1024 * 1024 + 7, 1));
    sb.write('src/b.bin', randomData(1024 * 1024, 2));
    sb.write('src/dir/c.txt', 'some text\n'.repeat(5000));
    src = sb.path('src');
    const init = await run(['init']);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(async () => {
    await proxy?.close();
    await srv?.stop();
    sb?.cleanup();
  });

  it('a retrying S3 backend returns exact bytes through 503s, resets, truncation and delays', async () => {
    const b: Backend = withRetry(openS3Backend(`s3:${proxy.url}/${bucket}-lib`, {}, srv.env), {
      baseDelayMs: 2,
      maxDelayMs: 20,
    });
    try {
      await b.create();
      proxy.inject({ method: 'PUT', path: /\/data\//, times: 3, fault: { kind: 'status', status: 503 } });
      proxy.inject({ method: 'PUT', path: /\/data\//, times: 2, fault: { kind: 'reset' } });
      proxy.inject({ method: 'GET', path: /\/data\//, times: 2, fault: { kind: 'truncate' } });
      proxy.inject({ method: 'GET', path: /\/data\//, times: 2, fault: { kind: 'reset' } });
      proxy.inject({ method: 'GET', path: /\/data\//, times: 1, fault: { kind: 'status', status: 500 } });
      proxy.inject({ method: 'GET', path: /list-type/, times: 2, fault: { kind: 'status', status: 429 } });
      proxy.inject({ method: 'HEAD', times: 1, fault: { kind: 'delay', ms: 50 } });
      const files = Array.from({ length: 6 }, (_, i) => randomBytes(1000 + i * 5000));
      const handles = files.map(
        (f) => ({ type: 'data', name: createHash('sha256').update(f).digest('hex') }) as const,
      );
      await Promise.all(files.map((f, i) => b.write(handles[i]!, f)));
      for (let i = 0; i < files.length; i++) expect((await b.read(handles[i]!)).equals(files[i]!)).toBe(true);
      expect((await b.read(handles[5]!, 100, 2000)).equals(files[5]!.subarray(100, 2100))).toBe(true);
      expect((await b.stat(handles[3]!)).size).toBe(files[3]!.length);
      const listed: string[] = [];
      for await (const fi of b.list('data')) listed.push(fi.name);
      expect(listed.sort()).toEqual(handles.map((h) => h.name).sort());
      // Every fault was met (and survived).
      expect(proxy.faults).toBe(13);
    } finally {
      proxy.clear();
      await b.close();
    }
  });

  it('a backup through 503s, resets, truncated bodies and throttling succeeds and passes check --read-data', async () => {
    proxy.inject({ method: 'PUT', path: /\/data\//, times: 2, fault: { kind: 'status', status: 503 } });
    proxy.inject({ method: 'PUT', path: /\/index\//, times: 1, fault: { kind: 'reset' } });
    proxy.inject({ method: 'PUT', path: /\/snapshots\//, times: 1, fault: { kind: 'status', status: 500 } });
    proxy.inject({ method: 'GET', path: /\/keys\/[0-9a-f]/, times: 1, fault: { kind: 'truncate' } });
    proxy.inject({ method: 'GET', path: /\/config/, times: 1, fault: { kind: 'reset' } });
    proxy.inject({ method: 'GET', path: /list-type/, times: 1, fault: { kind: 'status', status: 429 } });
    const before = proxy.faults;
    const b = await run(['backup', src]);
    expect(b.code, b.stderr).toBe(0);
    expect(proxy.faults - before).toBe(7);
    proxy.clear();
    const check = await run(['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('restic check --read-data accepts a copy of the bucket', async () => {
    const copy = sb.path('bucket-copy');
    // `--fast-list` lists recursively: s3rver's delimiter listing drops `data/`; rclone copies no empty folders.
    const rc = await runRclone(['--fast-list', 'copy', `t:${bucket}`, copy]);
    expect(rc.code, rc.stderr).toBe(0);
    for (const dir of ['keys', 'snapshots', 'index', 'locks', 'data'])
      fs.mkdirSync(path.join(copy, dir), { recursive: true });
    const r = await restic(sb, ['-r', copy, 'check', '--read-data'], { env: { RESTIC_PASSWORD: 'pw' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('a restore whose pack reads arrive with flipped bits re-reads them and is bit-exact', async () => {
    proxy.inject({ method: 'GET', path: /\/data\//, times: 2, fault: { kind: 'corrupt' } });
    const target = sb.path('restored');
    const r = await run(['restore', 'latest', '--target', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.count({ fault: 'corrupt' })).toBe(2);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('wrong credentials (a permanent 403) end with one sentence and exit 1', async () => {
    proxy.inject({ times: Infinity, fault: { kind: 'status', status: 403 } });
    try {
      const r = await run(['snapshots']);
      expect(r.code).toBe(1);
      expectOneSentence(r, /denied|credential|403/i);
      // Not retried: a handful of requests, not ten per operation.
      expect(proxy.count({ fault: 'status' })).toBeLessThan(20);
    } finally {
      proxy.clear();
    }
  });

  it('a server answering an HTML page to listings ends with a clear error', async () => {
    proxy.inject({ method: 'GET', path: /list-type/, times: Infinity, fault: { kind: 'garbage' } });
    try {
      const r = await run(['snapshots']);
      expect(r.code).toBe(1);
      expectOneSentence(r, /not an S3 listing/);
    } finally {
      proxy.clear();
    }
  });

  it('an unreachable server is tried a bounded number of times, then one sentence', async () => {
    const port = await freePort();
    const t0 = performance.now();
    const r = await cairn(sb, ['-r', `s3:http://127.0.0.1:${port}/${bucket}`, 'snapshots'], {
      env: { ...srv.env, RESTIC_PASSWORD: 'pw', CAIRN_RETRY_ATTEMPTS: '3' },
    });
    expect(r.code).toBe(1);
    expectOneSentence(r, /after 3 attempts/);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it('the repository is valid after all of that', async () => {
    const check = await run(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  function runRclone(args: string[]): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...srv.rcloneEnv };
    delete env.AWS_CA_BUNDLE; // rclone 1.60 fails every call when it is set
    return new Promise((resolve) => {
      execFile('rclone', args, { env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr: stderr + (err ? err.message : '') }),
      );
    });
  }
});
