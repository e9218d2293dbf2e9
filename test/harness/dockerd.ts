import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** A throwaway Docker daemon (COMPONENTS.md §7a): host networking untouched, own data, exec root and socket. */
export interface Dockerd {
  /** Its work folder (data root, exec root, socket, log). */
  dir: string;
  socket: string;
  /** `unix://…` for DOCKER_HOST. */
  host: string;
  /** The busybox image imported from /bin/busybox (`sh`, `tar`, `rm`… as applets). */
  image: string;
  /** Runs the docker CLI against this daemon; its standard output, trimmed. */
  docker(...args: string[]): string;
  /** Removes every container, stops the daemon, unmounts and removes the work folder. */
  stop(): Promise<void>;
}

export const TEST_IMAGE = 'cairn-test-busybox:1';
const APPLETS = [
  'sh',
  'ls',
  'cat',
  'tar',
  'rm',
  'find',
  'sleep',
  'echo',
  'mkdir',
  'dd',
  'sha256sum',
  'date',
  'true',
];

/** Whether this machine can run the daemon (root, dockerd, the client, busybox). */
export function dockerdAvailable(): boolean {
  const client = ['/usr/local/bin/docker', '/usr/bin/docker'].some((f) => fs.existsSync(f));
  return (
    process.getuid?.() === 0 && client && ['/usr/sbin/dockerd', '/bin/busybox'].every((f) => fs.existsSync(f))
  );
}

function dockerCli(): string {
  return fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : '/usr/bin/docker';
}

/** Resolves once the daemon answers `GET /_ping` on its socket, within 60 s. */
async function waitPing(socket: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.once('error', () => resolve(false));
      req.once('timeout', () => req.destroy());
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dockerd did not answer on ${socket} within 60 s: ${log()}`);
}

/** Starts dockerd with the mandatory networking flags and imports the busybox test image. */
export async function startDockerd(): Promise<Dockerd> {
  // Short: the socket path must stay under the 108 bytes of a unix socket address.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    '/usr/sbin/dockerd',
    [
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'dockerd.pid'),
      '-H',
      `unix://${socket}`,
      // Never touch the host's network (COMPONENTS.md rule 2).
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const log = (): string => fs.readFileSync(logFile, 'utf8').slice(-4000);
  const host = `unix://${socket}`;
  const docker = (...args: string[]): string =>
    execFileSync(dockerCli(), args, { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8' }).trim();
  const stop = async (): Promise<void> => {
    try {
      const ids = docker('ps', '-aq').split('\n').filter(Boolean);
      if (ids.length > 0) docker('rm', '-f', ...ids);
    } catch {
      // the daemon may be gone already
    }
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // Anything the daemon left mounted under its folder (overlay layers, the exec root).
    const mounts = fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((p) => p.startsWith(dir + '/')).reverse()) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitPing(socket, child, log);
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(rootfs, 'tmp'));
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const a of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
    const tarball = path.join(dir, 'rootfs.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tarball, '.']);
    docker('import', '-c', 'ENV PATH=/bin', tarball, TEST_IMAGE);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, socket, host, image: TEST_IMAGE, docker, stop };
}
