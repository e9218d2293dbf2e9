/**
 * Starts `rclone serve restic` (Debian's rclone 1.60) on 127.0.0.1 as an independent REST server for Cairn's REST
 * client. rclone serves any number of repositories below its root: `/<name>/` is one repository in `<dir>/<name>`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

export interface RcloneRestOptions {
  /** Folder to serve; a throwaway one under os.tmpdir() (removed by stop) when absent. */
  dir?: string;
  /** Require HTTP Basic authentication with this user and password. */
  user?: string;
  pass?: string;
  appendOnly?: boolean;
  /** Serve https with this PEM certificate and key; with `clientCa`, only to clients with a certificate it signed. */
  tls?: { cert: string; key: string; clientCa?: string };
}

const READY_TIMEOUT_MS = 20_000;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export class RcloneRest {
  private stderr = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
    private readonly ownDir: boolean,
    readonly secure: boolean,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.on('exit', () => {
      this.exited = true;
    });
  }

  /** `http://127.0.0.1:PORT/` (https with `tls`). */
  get url(): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}/`;
  }

  /** A `rest:` repository URL for the repository `name` below the root ('' is the root), with optional credentials. */
  repo(name = '', creds?: { user: string; pass: string }): string {
    const auth = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.pass)}@` : '';
    const sub = name === '' ? '' : `${name}/`;
    return `rest:${this.secure ? 'https' : 'http'}://${auth}127.0.0.1:${this.port}/${sub}`;
  }

  static async start(opts: RcloneRestOptions = {}): Promise<RcloneRest> {
    const ownDir = opts.dir === undefined;
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-rclone-rest-'));
    // freePort's port can be taken by another test file's server before rclone binds it; then that server would
    // answer our requests. So wait for rclone's own "Serving" line, and try another port when the bind fails.
    for (let attempt = 1; ; attempt++) {
      const server = await RcloneRest.spawn(opts, dir, ownDir, await freePort());
      if (await server.ready()) return server;
      const inUse = server.stderr.includes('address already in use');
      await server.stop();
      if (!inUse || attempt === 5) {
        throw new Error(`rclone serve restic did not start on port ${server.port}: ${server.stderr.trim()}`);
      }
    }
  }

  private static async spawn(opts: RcloneRestOptions, dir: string, ownDir: boolean, port: number): Promise<RcloneRest> {
    const args = ['serve', 'restic', '--addr', `127.0.0.1:${port}`];
    if (opts.user !== undefined) args.push('--user', opts.user, '--pass', opts.pass ?? '');
    if (opts.appendOnly) args.push('--append-only');
    if (opts.tls) args.push('--cert', opts.tls.cert, '--key', opts.tls.key);
    if (opts.tls?.clientCa !== undefined) args.push('--client-ca', opts.tls.clientCa);
    args.push(dir);
    // A CA bundle variable meant for other tools confuses rclone; no config file keeps the run hermetic.
    const env: NodeJS.ProcessEnv = { ...process.env, RCLONE_CONFIG: '/dev/null' };
    delete env.AWS_CA_BUNDLE;
    const child = spawn('rclone', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    return new RcloneRest(child, dir, port, ownDir, opts.tls !== undefined);
  }

  /** Whether rclone itself says it serves on our port (and accepts connections there). */
  private async ready(): Promise<boolean> {
    const deadline = performance.now() + READY_TIMEOUT_MS;
    const serving = `Serving restic REST API on ${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}/`;
    while (!(this.stderr.includes(serving) && (await canConnect(this.port)))) {
      if (this.exited || performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
    if (this.ownDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
