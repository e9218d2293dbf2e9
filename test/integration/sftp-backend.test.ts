import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../src/backend/index.js';
import { openSftpBackend } from '../../src/backend/sftp/index.js';
import { runBackendConformance } from '../../src/backend/testing/index.js';
import { CairnError } from '../../src/core/index.js';
import type { Sshd } from '../harness/sshd.js';
import { startSshd } from '../harness/sshd.js';

let srv: Sshd;
/** A HOME with the client key as ~/.ssh/id_ed25519 and the server in ~/.ssh/known_hosts. */
let home: string;
let counter = 0;

beforeAll(async () => {
  srv = await startSshd();
  home = path.join(srv.dir, 'client-home');
  srv.installInto(home);
});
afterAll(async () => {
  await srv?.stop();
});

const env = (): Record<string, string> => ({ HOME: home });
/** An absolute repository folder no other test uses. */
const freshDir = (): string => path.join(srv.dir, 'repos', `r${++counter}`);
const absUrl = (dir: string): string => `sftp://root@127.0.0.1:${srv.port}/${dir}`;

function file(size: number): { data: Buffer; h: Handle } {
  const data = randomBytes(size);
  return { data, h: { type: 'data', name: createHash('sha256').update(data).digest('hex') } };
}

async function failure(p: Promise<unknown>): Promise<CairnError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CairnError) return err;
    throw new Error(`expected a CairnError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error');
}

/** A backend for the test server with its own HOME/.ssh content. */
function backendWith(
  sshFiles: { knownHosts?: string; key?: string },
  options: Record<string, string> = {},
): Backend {
  const h = fs.mkdtempSync(path.join(srv.dir, 'home-'));
  fs.mkdirSync(path.join(h, '.ssh'));
  if (sshFiles.knownHosts !== undefined)
    fs.writeFileSync(path.join(h, '.ssh/known_hosts'), sshFiles.knownHosts);
  fs.copyFileSync(sshFiles.key ?? srv.clientKey, path.join(h, '.ssh/id_ed25519'));
  return openSftpBackend(absUrl(freshDir()), options, { HOME: h });
}

runBackendConformance('sftp (OpenSSH sshd)', () => openSftpBackend(absUrl(freshDir()), {}, env()));

describe('sftp backend against OpenSSH', () => {
  it('puts a sftp://host:port//abs repository at the absolute path with restic’s folders', async () => {
    const dir = freshDir();
    const b = openSftpBackend(absUrl(dir), {}, env());
    await b.create();
    await b.create();
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'index', 'keys', 'locks', 'snapshots']);
    expect(fs.readdirSync(path.join(dir, 'data'))).toHaveLength(256);
    const f = file(10);
    await b.write(f.h, f.data);
    expect(fs.readdirSync(path.join(dir, 'data', f.h.name.slice(0, 2)))).toEqual([f.h.name]);
    await b.close();
  });

  it('resolves sftp://host:port/rel against the login directory', async () => {
    const b = openSftpBackend(`sftp://root@127.0.0.1:${srv.port}/rel/repo`, {}, env());
    await b.create();
    await b.write({ type: 'config', name: 'config' }, Buffer.from('cfg'));
    expect(fs.readFileSync(path.join(srv.loginDir, 'rel/repo/config'), 'utf8')).toBe('cfg');
    await b.close();
  });

  it('moves 16 MiB both ways byte-exact, also in ranges across request boundaries', async () => {
    const b = openSftpBackend(absUrl(freshDir()), { 'sftp.connections': '2' }, env());
    await b.create();
    const f = file(16 * 1024 * 1024 + 17);
    await b.write(f.h, f.data);
    expect((await b.read(f.h)).equals(f.data)).toBe(true);
    const [off, len] = [65_536 * 3 - 5, 65_536 * 40 + 11];
    expect((await b.read(f.h, off, len)).equals(f.data.subarray(off, off + len))).toBe(true);
    await b.close();
  });

  it('leaves no temporary file behind after writes', async () => {
    const dir = freshDir();
    const b = openSftpBackend(absUrl(dir), {}, env());
    await b.create();
    const f = file(100);
    await b.write({ type: 'index', name: f.h.name }, f.data);
    expect(fs.readdirSync(path.join(dir, 'index'))).toEqual([f.h.name]);
    await b.close();
  });

  it('works with a hashed known_hosts (ssh-keygen -H)', async () => {
    const kh = path.join(srv.dir, 'hashed_known_hosts');
    fs.writeFileSync(kh, `${srv.knownHostsLine}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
    expect(fs.readFileSync(kh, 'utf8')).toMatch(/^\|1\|/);
    const b = openSftpBackend(absUrl(freshDir()), { 'sftp.known-hosts': kh }, env());
    await b.create();
    await b.close();
  });

  it('refuses an unknown host, telling the fingerprint and how to add it', async () => {
    const b = backendWith({ knownHosts: '' });
    const err = await failure(b.create());
    const fp = execFileSync('ssh-keygen', ['-l', '-f', path.join(srv.dir, 'host_ed25519.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    expect(err.code).toBe('access-denied');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(fp);
    expect(err.message).toContain(`ssh-keyscan -p ${srv.port} 127.0.0.1 >> `);
    await b.close();
  });

  it('refuses a host whose key changed, warning about it', async () => {
    const other = path.join(srv.dir, `other-host-${++counter}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const pub = fs.readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const b = backendWith({ knownHosts: `[127.0.0.1]:${srv.port} ${pub}\n` });
    const err = await failure(b.create());
    expect(err.code).toBe('access-denied');
    expect(err.message).toMatch(/WARNING: the host key of 127\.0\.0\.1:\d+ has changed/);
    await b.close();
  });

  it('reports a key the server does not accept as access-denied', async () => {
    const wrong = path.join(srv.dir, `wrong-key-${++counter}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const b = backendWith({ knownHosts: `${srv.knownHostsLine}\n` }, { 'sftp.key': wrong });
    const err = await failure(b.create());
    expect(err.code).toBe('access-denied');
    expect(err.message).toBe(`The server refused the key ${wrong} for root@127.0.0.1:${srv.port}.`);
    await b.close();
  });

  it('without a terminal, says a passphrase-protected key needs ssh-agent', async () => {
    const enc = path.join(srv.dir, `enc-key-${++counter}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', enc]);
    const b = backendWith({ knownHosts: `${srv.knownHostsLine}\n`, key: enc });
    const err = await failure(b.create());
    expect(err.message).toMatch(
      /is protected by a passphrase and there is no terminal to ask for it; load it into ssh-agent/,
    );
    await b.close();
  });

  it('logs in with the keys of ssh-agent (SSH_AUTH_SOCK) when ~/.ssh holds no key', async () => {
    const sock = path.join(srv.dir, `agent-${++counter}.sock`);
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', ['-q', srv.clientKey], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        stdio: 'ignore',
      });
      const h = fs.mkdtempSync(path.join(srv.dir, 'home-'));
      fs.mkdirSync(path.join(h, '.ssh'));
      fs.writeFileSync(path.join(h, '.ssh/known_hosts'), `${srv.knownHostsLine}\n`);
      const b = openSftpBackend(absUrl(freshDir()), {}, { HOME: h, SSH_AUTH_SOCK: sock });
      await b.create();
      await b.close();
    } finally {
      agent.kill();
    }
  });

  it('falls back to ~/.ssh keys when SSH_AUTH_SOCK points nowhere', async () => {
    const b = openSftpBackend(
      absUrl(freshDir()),
      {},
      { HOME: home, SSH_AUTH_SOCK: path.join(srv.dir, 'no-agent') },
    );
    await b.create();
    await b.close();
  });

  it('turns a server that goes away into retryable errors and reconnects once it is back', async () => {
    const b = openSftpBackend(absUrl(freshDir()), {}, env());
    await b.create();
    const big = file(48 * 1024 * 1024);
    const inFlight = b.write(big.h, big.data).then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 30));
    await srv.kill();
    try {
      const cut = await inFlight;
      // On a fast machine the write may have finished before the kill; otherwise it must be retryable.
      if (cut !== undefined) expect(cut).toMatchObject({ code: 'unavailable', retryable: true });
      const down = await failure(b.stat(big.h));
      expect(down).toMatchObject({ code: 'unavailable', retryable: true });
      expect(down.message).toMatch(/connection refused|was lost/);
    } finally {
      await srv.start();
    }
    const f = file(1000);
    await b.write(f.h, f.data);
    expect((await b.read(f.h)).equals(f.data)).toBe(true);
    await b.close();
  });
});
