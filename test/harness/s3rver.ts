import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import { freePort } from './net.js';

/** s3rver accepts any credentials (it does not check SigV4); these are its documented defaults. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface S3rver {
  /** `http://127.0.0.1:PORT` (https when started with `tls`) */
  endpoint: string;
  port: number;
  /** Where s3rver keeps its buckets. */
  dir: string;
  /** Environment for an S3 client of this server: credentials and region. */
  env: Record<string, string>;
  /** Environment for `rclone` with a remote named `t` pointing at this server (AWS_CA_BUNDLE must be unset). */
  rcloneEnv: Record<string, string | undefined>;
  stop(): Promise<void>;
}

function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: 1000, rejectUnauthorized: false }, (res) => {
      // s3rver's own answer (its bucket list), not that of another test file's server on the same port.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('ListAllMyBucketsResult')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with ${child.exitCode}: ${log()}`);
    if (await ping(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`s3rver did not answer on ${url} within 20 s: ${log()}`);
}

/**
 * Starts s3rver 3.7.1 on 127.0.0.1 on a free port with a throwaway folder. `--openssl-legacy-provider` is needed:
 * without it s3rver's continuation tokens (DES) fail and every paginated listing answers 500.
 */
export async function startS3rver(opts: { tls?: { cert: string; key: string } } = {}): Promise<S3rver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-s3rver-'));
  const port = await freePort();
  const script = path.join(ROOT, 'node_modules/s3rver/bin/s3rver.js');
  const args = [
    '--openssl-legacy-provider',
    script,
    '-d',
    dir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '--silent',
    ...(opts.tls ? ['--key', opts.tls.key, '--cert', opts.tls.cert] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const endpoint = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  await waitReady(`${endpoint}/`, child, () => stderr);
  const env = { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' };
  const rcloneEnv = {
    AWS_CA_BUNDLE: undefined,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_T_TYPE: 's3',
    RCLONE_CONFIG_T_PROVIDER: 'Other',
    RCLONE_CONFIG_T_ENDPOINT: endpoint,
    RCLONE_CONFIG_T_ACCESS_KEY_ID: 'S3RVER',
    RCLONE_CONFIG_T_SECRET_ACCESS_KEY: 'S3RVER',
    RCLONE_CONFIG_T_REGION: 'us-east-1',
    RCLONE_CONFIG_T_FORCE_PATH_STYLE: 'true',
  };
  return {
    endpoint,
    port,
    dir,
    env,
    rcloneEnv,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
