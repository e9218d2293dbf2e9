import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, cairn, randomData, restic, treeDigest } from '../harness/cli.js';
import { freePort } from '../harness/net.js';
import type { Sshd } from '../harness/sshd.js';
import { startSshd } from '../harness/sshd.js';

// Run `npm run build` first: the CLI runs from dist/.
describe('cairn over SFTP (OpenSSH sshd)', () => {
  let srv: Sshd;
  let sb: Sandbox;
  let src: string;
  const pw = (): string => sb.path('pw');
  const repoDir = (): string => path.join(srv.dir, 'repo');
  const url = (): string => `sftp://root@127.0.0.1:${srv.port}/${repoDir()}`;
  /** restic's arguments for the repository in `dir` over its own SFTP: ssh run through -o sftp.command. */
  const viaRestic = (dir: string): string[] => {
    const command = srv.resticSftpCommand(path.join(sb.home, '.ssh/known_hosts'));
    return ['-r', `sftp:root@127.0.0.1:${dir}`, '-o', `sftp.command=${command}`, '-p', pw()];
  };

  beforeAll(async () => {
    srv = await startSshd();
    sb = new Sandbox();
    srv.installInto(sb.home);
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    sb.write('src/a.txt', 'hello over ssh\n');
    sb.write('src/empty', '');
    sb.write('src/deep/er/random.bin', randomData(3 * 1024 * 1024 + 5, 7));
    sb.write('src/deep/text.log', 'a line of text\n'.repeat(20_000));
    fs.symlinkSync('a.txt', sb.path('src/link'));
    src = sb.path('src');
  });
  afterAll(async () => {
    sb?.cleanup();
    await srv?.stop();
  });

  it('inits, backs up and restores bit-exact through sftp://root@127.0.0.1:PORT//abs/path', async () => {
    const init = await cairn(sb, ['-r', url(), '-p', pw(), 'init']);
    expect(init.code, init.stderr).toBe(0);
    expect(fs.readdirSync(path.join(repoDir(), 'data'))).toHaveLength(256);
    const backup = await cairn(sb, ['-r', url(), '-p', pw(), 'backup', src]);
    expect(backup.code, backup.stderr).toBe(0);
    const target = sb.path('restored');
    const restore = await cairn(sb, ['-r', url(), '-p', pw(), 'restore', 'latest', '--target', target]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('restic reads the same repository over its own SFTP (sftp.command) and restores it bit-exact', async () => {
    const check = await restic(sb, [...viaRestic(repoDir()), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const target = sb.path('restic-restored');
    const rr = await restic(sb, [...viaRestic(repoDir()), 'restore', 'latest', '--target', target]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('restores bit-exact what restic wrote over SFTP', async () => {
    const dir = path.join(srv.dir, 'restic-repo');
    expect((await restic(sb, [...viaRestic(dir), 'init', '--repository-version', '2'])).code).toBe(0);
    const b = await restic(sb, [...viaRestic(dir), 'backup', src]);
    expect(b.code, b.stderr).toBe(0);
    const target = sb.path('from-restic');
    const url = `sftp://root@127.0.0.1:${srv.port}/${dir}`;
    const rr = await cairn(sb, ['-r', url, '-p', pw(), 'restore', 'latest', '--target', target, '--verify']);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  });

  it('runs -o sftp.command as restic does: the same command lines back up and list through ssh', async () => {
    const dir = path.join(srv.dir, 'via-command');
    expect((await cairn(sb, [...viaRestic(dir), 'init'])).code).toBe(0);
    const b = await cairn(sb, [...viaRestic(dir), 'backup', '-q', src]);
    expect(b.code, b.stderr).toBe(0);
    const args = [...viaRestic(dir), 'snapshots', '--json'];
    const [c, r] = await Promise.all([cairn(sb, args), restic(sb, args)]);
    expect([c.code, r.code], c.stderr + r.stderr).toEqual([0, 0]);
    const ids = (s: string): string[] => (JSON.parse(s) as { id: string }[]).map((x) => x.id).sort();
    expect(ids(c.stdout)).toEqual(ids(r.stdout));
    expect(ids(c.stdout)).toHaveLength(1);
    const check = await restic(sb, [...viaRestic(dir), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // A command that fails (here: a host key ssh does not know) is one sentence with ssh's last words.
    const bad = viaRestic(repoDir()).map((a) => a.replace(/UserKnownHostsFile=\S+/, 'UserKnownHostsFile=/dev/null'));
    const failed = await cairn(sb, [...bad, 'snapshots']);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toMatch(/^[^\n]*sftp\.command ssh exited with status 255 \(.*Host key verification failed\.?\)[^\n]*$/);
  });

  it('honours ~/.ssh/config (Host alias, HostName, Port, User, IdentityFile) as ssh does for restic', async () => {
    const ssh = path.join(sb.home, '.ssh');
    // The only usable key is the one IdentityFile names (ssh then tries no default key either).
    fs.renameSync(path.join(ssh, 'id_ed25519'), path.join(ssh, 'box_key'));
    fs.writeFileSync(
      path.join(ssh, 'config'),
      `Host backup-box\n  HostName 127.0.0.1\n  Port ${srv.port}\n  User root\n  IdentityFile ~/.ssh/box_key\n`,
    );
    try {
      const r = await cairn(sb, ['-r', `sftp:backup-box:${repoDir()}`, '-p', pw(), 'snapshots', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveLength(1);
    } finally {
      fs.rmSync(path.join(ssh, 'config'));
      fs.renameSync(path.join(ssh, 'box_key'), path.join(ssh, 'id_ed25519'));
    }
  });

  it('asks for the passphrase of an encrypted key on a terminal, and without one fails in one sentence', async () => {
    const key = sb.path('locked_key');
    fs.copyFileSync(srv.clientKey, key);
    fs.chmodSync(key, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-a', '2', '-f', key, '-N', 'open sesame']);
    const args = ['-r', url(), '-p', pw(), '-o', `sftp.key=${key}`, 'snapshots', '--json'];
    const noTty = await cairn(sb, args);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr.trim()).toMatch(/^[^\n]*protected by a passphrase and there is no terminal to ask for it[^\n]*$/);
    // `script` gives Cairn a terminal; the passphrase is typed into it.
    const cmd = [process.execPath, path.join(ROOT, 'bin/cairn.js'), ...args].map((a) => `'${a}'`).join(' ');
    const typed = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      env: sb.env(),
      input: 'open sesame\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(typed.stdout).toContain(`Enter passphrase for key '${key}':`);
    expect(typed.status, typed.stdout).toBe(0);
  });

  it('says the repository does not exist (exit 10) for a folder without one', async () => {
    const r = await cairn(sb, [
      '-r',
      `sftp://root@127.0.0.1:${srv.port}/${srv.dir}/nothing-here`,
      '-p',
      pw(),
      'snapshots',
    ]);
    expect(r.code, r.stderr).toBe(10);
  });

  it('gives up on a closed port after bounded retries with one clear sentence', async () => {
    const port = await freePort();
    const r = await cairn(sb, ['-r', `sftp://root@127.0.0.1:${port}//x`, '-p', pw(), 'snapshots'], {
      env: { CAIRN_RETRY_ATTEMPTS: '2' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.toLowerCase()).toContain(`could not connect to 127.0.0.1:${port}: connection refused`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a server whose host key changed, with the warning and exit 1', async () => {
    const home = sb.path('other-home');
    srv.installInto(home);
    const line = `[127.0.0.1]:${srv.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPVGWl0AAWhFp7oUMA93CK1nxIAFYX0wQ9es97w7VOJs\n`;
    fs.writeFileSync(path.join(home, '.ssh/known_hosts'), line);
    const r = await cairn(sb, ['-r', url(), '-p', pw(), 'snapshots'], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WARNING: the host key of 127\.0\.0\.1:\d+ has changed/);
  });

  it('refuses an unknown host and says how to add it', async () => {
    const home = sb.path('fresh-home');
    srv.installInto(home);
    fs.rmSync(path.join(home, '.ssh/known_hosts'));
    const r = await cairn(sb, ['-r', url(), '-p', pw(), 'snapshots'], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ssh-keyscan -p ${srv.port} 127.0.0.1 >> ${home}/.ssh/known_hosts`);
  });
});
