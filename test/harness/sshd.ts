import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

/** A throwaway OpenSSH server on 127.0.0.1 that lets `root` in with one client key (see COMPONENTS.md §5). */
export interface Sshd {
  host: '127.0.0.1';
  port: number;
  /** The server's folder: config, keys, and `home/`, the login directory relative paths resolve against. */
  dir: string;
  /** Where relative SFTP paths land (internal-sftp's start directory). */
  loginDir: string;
  /** Private key (OpenSSH format, no passphrase) the server accepts for root. */
  clientKey: string;
  /** The host's public key as `ssh-ed25519 AAAA…`. */
  hostPublicKey: string;
  /** One known_hosts line for this server: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`. */
  knownHostsLine: string;
  /** Puts the client key (as `.ssh/id_ed25519`) and a known_hosts with this server into a HOME folder. */
  installInto(home: string): void;
  /** `-o sftp.command=…` for restic: OpenSSH's client with this key and a strict known_hosts file. */
  resticSftpCommand(knownHostsFile: string): string;
  /** Kills the server and its sessions: open connections drop at once, new ones are refused. */
  kill(): Promise<void>;
  /** Starts a killed server again on the same port with the same keys. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function keygen(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cairn-test', '-f', file], {
    stdio: 'ignore',
  });
  return fs.readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

function config(dir: string, port: number): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // /tmp is world-writable: StrictModes would reject the keys.
    'StrictModes no',
    // -d: relative paths resolve in the test's own folder, not in /root.
    `Subsystem sftp internal-sftp -d ${dir}/home`,
    '',
  ].join('\n');
}

/** Resolves once the server sends its `SSH-2.0-` banner, within 20 s. */
async function waitBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setTimeout(1000, () => sock.destroy());
      sock.once('data', (d: Buffer) => {
        sock.destroy();
        resolve(d.toString('latin1').startsWith('SSH-2.0-'));
      });
      sock.once('error', () => resolve(false));
      sock.once('close', () => resolve(false));
    });
    // Our own sshd's greeting, not that of another test file's server that took the port first.
    if (ok && log().includes(`Server listening on 127.0.0.1 port ${port}.`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`sshd did not greet on port ${port} within 20 s: ${log()}`);
}

function spawnSshd(configFile: string): { child: ChildProcess; log: () => string } {
  // sshd re-executes itself, so it must be started by its absolute path.
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return { child, log: () => stderr };
}

/** Pids of the processes below `pid` (sshd's per-connection children call setsid, so no process group helps). */
function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state, ppid, …
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Stops the listener and every session it started, so open connections drop as if the machine went away. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of child.pid === undefined ? [] : descendants(child.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Writes the config for a free port and starts sshd on it; freePort's port may be taken first, then another. */
async function listenOnFreePort(
  dir: string,
  configFile: string,
): Promise<{ port: number; proc: ReturnType<typeof spawnSshd> }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    fs.writeFileSync(configFile, config(dir, port));
    execFileSync('/usr/sbin/sshd', ['-t', '-f', configFile]);
    const proc = spawnSshd(configFile);
    try {
      await waitBanner(port, proc.child, proc.log);
      return { port, proc };
    } catch (err) {
      await killChild(proc.child);
      if (attempt === 5 || !proc.log().includes('Address already in use')) throw err;
    }
  }
}

/** Starts `/usr/sbin/sshd -D -e` with a fresh host key and client key, as root, on a free port. */
export async function startSshd(): Promise<Sshd> {
  // tmpfs where there is one: the backend fsyncs every file, which costs ~0.2 s per file on some CI disks.
  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'cairn-sshd-'));
  const loginDir = path.join(dir, 'home');
  fs.mkdirSync(loginDir);
  // Without it: "Missing privilege separation directory".
  fs.mkdirSync('/run/sshd', { recursive: true });
  const hostPublicKey = keygen(path.join(dir, 'host_ed25519'));
  const clientKey = path.join(dir, 'client_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${keygen(clientKey)}\n`, { mode: 0o600 });
  const configFile = path.join(dir, 'sshd_config');
  const first = await listenOnFreePort(dir, configFile);
  const port = first.port;
  let proc = first.proc;
  const knownHostsLine = `[127.0.0.1]:${port} ${hostPublicKey}`;
  return {
    host: '127.0.0.1',
    port,
    dir,
    loginDir,
    clientKey,
    hostPublicKey,
    knownHostsLine,
    installInto(home: string): void {
      const ssh = path.join(home, '.ssh');
      fs.mkdirSync(ssh, { recursive: true, mode: 0o700 });
      fs.copyFileSync(clientKey, path.join(ssh, 'id_ed25519'));
      fs.chmodSync(path.join(ssh, 'id_ed25519'), 0o600);
      fs.writeFileSync(path.join(ssh, 'known_hosts'), `${knownHostsLine}\n`);
    },
    resticSftpCommand(knownHostsFile: string): string {
      const opts = `-F /dev/null -o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
      return `ssh ${opts} -i ${clientKey} -p ${port} root@127.0.0.1 -s sftp`;
    },
    async kill(): Promise<void> {
      await killChild(proc.child);
    },
    async start(): Promise<void> {
      if (proc.child.exitCode === null && proc.child.signalCode === null) return;
      proc = spawnSshd(configFile);
      await waitBanner(port, proc.child, proc.log);
    },
    async stop(): Promise<void> {
      await killChild(proc.child);
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
