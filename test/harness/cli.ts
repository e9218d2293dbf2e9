import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESTIC } from './restic.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/restic-0.14');
const CAIRN = path.join(ROOT, 'bin/cairn.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether `RunOptions.signal` was sent (false: the process ended first). */
  signalled?: boolean;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
  /** Run as this unprivileged user (tests run as root). */
  user?: string;
  /** Send SIGINT after this many milliseconds. */
  interruptAfterMs?: number;
  /** Send `signal.name` as soon as `signal.when()` holds (polled every 20 ms). */
  signal?: { name: NodeJS.Signals; when: () => boolean };
  binary?: boolean;
  /** restic only: let it use its cache (by default the tests run it with --no-cache). */
  resticCache?: boolean;
}

/** A throwaway HOME with its own XDG folders, so the default repository and cache never touch the real home. */
export class Sandbox {
  readonly dir: string;
  readonly home: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-test-'));
    fs.chmodSync(this.dir, 0o755);
    this.home = path.join(this.dir, 'home');
    fs.mkdirSync(this.home);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Environment for a child: only what the tests choose, plus PATH. */
  env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      XDG_DATA_HOME: path.join(this.home, '.local/share'),
      XDG_CONFIG_HOME: path.join(this.home, '.config'),
      XDG_CACHE_HOME: path.join(this.home, '.cache'),
      TZ: 'UTC',
      LC_ALL: 'C',
    };
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  write(rel: string, content: string | Buffer, mode?: number): string {
    const p = this.path(rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    if (mode !== undefined) fs.chmodSync(p, mode);
    return p;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function run(cmd: string, args: string[], sandbox: Sandbox, opts: RunOptions): Promise<RunResult> {
  let file = cmd;
  let argv = args;
  if (opts.user) {
    file = 'setpriv';
    argv = ['--reuid', opts.user, '--regid', 'nogroup', '--clear-groups', '--', cmd, ...args];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: opts.cwd ?? sandbox.dir,
      env: sandbox.env(opts.env),
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    if (opts.interruptAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
    let signalled = false;
    const { signal: send } = opts;
    const poll = send
      ? setInterval(() => {
          if (!send.when()) return;
          clearInterval(poll);
          signalled = child.kill(send.name);
        }, 20)
      : undefined;
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({
        code: code ?? (signal ? 128 + os.constants.signals[signal] : -1),
        stdout: Buffer.concat(out).toString(opts.binary ? 'latin1' : 'utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        signalled,
      });
    });
    // A command that exits before reading its input (a refused flag) closes the pipe: that is its answer, not ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs the built CLI (bin/cairn.js → dist/) with this test's Node. */
export function cairn(sandbox: Sandbox, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CAIRN, ...args], sandbox, opts);
}

/** Runs restic (found on PATH, see restic.ts) without a cache, unless `opts.resticCache`. */
export function restic(sandbox: Sandbox, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(RESTIC ?? 'restic', [...(opts.resticCache === true ? [] : ['--no-cache']), ...args], sandbox, opts);
}

/** Whether a local repository holds at least one complete (renamed into place) pack file. */
export function hasPack(repo: string): boolean {
  const data = path.join(repo, 'data');
  if (!fs.existsSync(data)) return false;
  return fs.readdirSync(data).some((d) => fs.readdirSync(path.join(data, d)).some((f) => !f.startsWith('.')));
}

/** The JSON lines of a `--json` run's standard output. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Extracts the restic 0.14 fixture repository into the sandbox and returns its path (password "test"). */
export async function extractFixtureRepo(sandbox: Sandbox): Promise<string> {
  const dest = sandbox.path('fixture');
  fs.mkdirSync(dest);
  await run('tar', ['-xzf', path.join(FIXTURES, 'repo.tar.gz'), '-C', dest], sandbox, {});
  return path.join(dest, 'repo');
}

/** sha256 and mode of every regular file and the target of every symlink below a folder, keyed by relative path. */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      const p = path.join(dir, r);
      const st = fs.lstatSync(p);
      if (entry.isSymbolicLink()) out[r] = `link ${fs.readlinkSync(p)}`;
      else if (entry.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(r);
      } else if (entry.isFile()) {
        const hash = createHashHex(fs.readFileSync(p));
        out[r] = `file ${(st.mode & 0o7777).toString(8)} ${st.size} ${hash} ${Math.floor(st.mtimeMs)}`;
      } else out[r] = 'other';
    }
  };
  walk('');
  return out;
}

function createHashHex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (incompressible), for test data. */
export function randomData(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, Math.min(i, size - 4));
  }
  return out;
}
