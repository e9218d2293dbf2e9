// Secrets and permissions (issue 17): each case here failed before its fix; restic 0.14 is the reference where
// the two must agree (password-file trimming, group-shared repositories).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, cairn, restic } from '../harness/cli.js';
import { RESTIC } from '../harness/restic.js';

const CAIRN = path.join(ROOT, 'bin/cairn.js');

let sb: Sandbox;
let repo: string;
let pw: string;
const args = (...rest: string[]): string[] => ['-r', repo, '-p', pw, ...rest];

beforeAll(async () => {
  sb = new Sandbox();
  pw = sb.write('pw', 'secret\n', 0o600);
  repo = sb.path('repo');
  // Many small folders: listing them loads many trees, which `--limit-download` makes slow enough to interrupt.
  for (let d = 0; d < 200; d++) for (let i = 0; i < 10; i++) sb.write(`src/d${d}/file-${i}.txt`, `${d} ${i}\n`);
  expect((await cairn(sb, args('init'))).code).toBe(0);
  expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
}, 60_000);
afterAll(() => sb.cleanup());

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('new passwords', () => {
  it('refuses an empty new password from a file for key passwd and key add, and the old one still opens', async () => {
    const own = ['-r', sb.path('repo-keys'), '-p', pw];
    expect((await cairn(sb, [...own, 'init'])).code).toBe(0);
    const empty = sb.write('empty-pw', ' \n', 0o600);
    for (const verb of ['passwd', 'add']) {
      const r = await cairn(sb, [...own, 'key', verb, '--new-password-file', empty]);
      expect(r.code, verb).toBe(1);
      expect(r.stderr).toMatch(/empty password is not allowed/);
    }
    const keys = await cairn(sb, [...own, 'key', 'list', '--json']);
    expect(keys.code).toBe(0);
    expect(JSON.parse(keys.stdout)).toHaveLength(1);
  });
});

describe('repository URLs', () => {
  it('takes REST: in upper case as the REST scheme, never as a local folder named after the password', async () => {
    const cwd = sb.path('cwd-rest');
    fs.mkdirSync(cwd);
    const r = await cairn(sb, ['-r', 'REST:http://u:hunter2@127.0.0.1:9/alice/', '-p', pw, 'init'], {
      cwd,
      env: { CAIRN_RETRY_ATTEMPTS: '1' },
    });
    expect(r.code).toBe(1);
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(r.stderr).toMatch(/rest:http:\/\/127\.0\.0\.1:9\/alice\//);
    expect(r.stderr).not.toContain('hunter2');
  });

  it.each([
    'https://user:hunter2@host/repo/',
    'rest:http://user:hun/ter2@host/repo/',
    'rest:http://user:hunter2@host:99999/repo/',
    's3:http://AKID:hunter2/x@host/bucket',
    's3:AKID:hunter2/x@host/bucket',
    'sftp://user:hunter2%zz@host/repo',
    'Bogus:user:hunter2@host/repo',
  ])('never shows the password of %s, in text or --json', async (url) => {
    for (const json of [[], ['--json']]) {
      const r = await cairn(sb, ['-r', url, '-p', pw, ...json, 'snapshots'], { env: { CAIRN_RETRY_ATTEMPTS: '1' } });
      expect(r.code).not.toBe(0);
      expect(r.stderr.length).toBeGreaterThan(10);
      expect(r.stderr + r.stdout).not.toContain('hunter2');
    }
  });
});

describe('password files and commands', () => {
  it.skipIf(!RESTIC)("reads a password file with a byte-order mark and surrounding spaces as restic does, both ways", async () => {
    const odd = sb.write('pw-odd', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' pass word \r\n\n')]), 0o600);
    const plain = sb.write('pw-plain', 'pass word', 0o600);
    const byRestic = sb.path('repo-restic');
    expect((await restic(sb, ['-r', byRestic, '-p', odd, 'init'])).code).toBe(0);
    const r1 = await cairn(sb, ['-r', byRestic, '-p', odd, 'snapshots']);
    expect(r1.code, r1.stderr).toBe(0);
    expect((await cairn(sb, ['-r', byRestic, '-p', plain, 'snapshots'])).code).toBe(0);
    const byCairn = sb.path('repo-cairn-odd');
    expect((await cairn(sb, ['-r', byCairn, '-p', odd, 'init'])).code).toBe(0);
    expect((await restic(sb, ['-r', byCairn, '-p', plain, 'snapshots'])).code).toBe(0);
    // A password command's output is trimmed the same way.
    const cmd = await cairn(sb, ['-r', byCairn, '--password-command', "printf ' pass word \\n\\t'", 'snapshots']);
    expect(cmd.code, cmd.stderr).toBe(0);
  });

  it('warns about a password file every user can read, and not about a 0600 one', async () => {
    const open = sb.write('pw-open', 'secret\n', 0o644);
    const r = await cairn(sb, ['-r', repo, '-p', open, 'snapshots']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/password file .*pw-open is readable by every user \(mode 0644\); run chmod 600/);
    expect((await cairn(sb, args('snapshots'))).stderr).not.toMatch(/readable/);
  });

  it('stops a hanging password command after CAIRN_PASSWORD_COMMAND_TIMEOUT with one sentence', async () => {
    const pidFile = sb.path('pwcmd-timeout.pid');
    const started = Date.now();
    const r = await cairn(sb, ['-r', repo, '--password-command', `sh -c 'echo $$ > ${pidFile}; exec sleep 30'`, 'snapshots'], {
      env: { CAIRN_PASSWORD_COMMAND_TIMEOUT: '1s' },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^cairn: The password command sh gave no password within 1 s and was stopped/);
    expect(isRunning(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
  }, 20_000);

  it('kills the password command when Cairn is stopped', async () => {
    const pidFile = sb.path('pwcmd-term.pid');
    const r = await cairn(sb, ['-r', repo, '--password-command', `sh -c 'echo $$ > ${pidFile}; exec sleep 30'`, 'snapshots'], {
      signal: { name: 'SIGTERM', when: () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '' },
    });
    expect(r.code).toBe(130);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((res) => setTimeout(res, 20));
    expect(isRunning(pid)).toBe(false);
  }, 20_000);
});

describe('file modes', () => {
  it.skipIf(!RESTIC)('writes new files 0440 into a repository whose config is group-readable, as restic 0.14', async () => {
    const modes = async (tool: typeof cairn, dir: string): Promise<string[]> => {
      expect((await tool(sb, ['-r', dir, '-p', pw, 'init'])).code).toBe(0);
      fs.chmodSync(path.join(dir, 'config'), 0o440);
      const r = await tool(sb, ['-r', dir, '-p', pw, 'backup', sb.path('src/d1/file-1.txt')]);
      expect(r.code, r.stderr).toBe(0);
      return ['snapshots', 'index'].map((sub) => {
        const name = fs.readdirSync(path.join(dir, sub))[0]!;
        return (fs.statSync(path.join(dir, sub, name)).mode & 0o777).toString(8);
      });
    };
    const ours = await modes(cairn, sb.path('repo-group-cairn'));
    expect(ours).toEqual(await modes(restic, sb.path('repo-group-restic')));
    expect(ours).toEqual(['440', '440']);
  });
});

describe('smaller things', () => {
  it('`cairn ls … | head -1` ends cleanly and releases its lock', async () => {
    // Without the cache and at 20 KiB/s the listing is still running when head has gone.
    const ls = `"${process.execPath}" "${CAIRN}" -r "${repo}" -p "${pw}" --no-cache --limit-download 20 ls latest`;
    const script = `${ls} | head -1; echo "status \${PIPESTATUS[0]}"`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { env: sb.env(), stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    expect(out).toMatch(/\nstatus 0\n$/);
    expect(fs.readdirSync(path.join(repo, 'locks'))).toEqual([]);
  }, 30_000);

  it('check without --read-data does not claim to read all data', async () => {
    const r = await cairn(sb, args('check'));
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/read all data/);
    const full = await cairn(sb, args('check', '--read-data'));
    expect(full.stdout + full.stderr).toMatch(/read all data/);
  }, 30_000);
});

describe('restic habits', () => {
  it('reads the password from piped standard input when nothing else gives one, but never the data of backup --stdin', async () => {
    const r = await cairn(sb, ['-r', repo, 'snapshots', '--json'], { input: 'secret\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect((await cairn(sb, ['-r', repo, 'snapshots'], { input: 'wrong\n' })).code).toBe(12);
    // Empty input is no password at all, as before.
    const none = await cairn(sb, ['-r', repo, 'snapshots']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no password given/);
    const data = await cairn(sb, ['-r', repo, 'backup', '--stdin'], { input: 'secret\nmore data\n' });
    expect(data.code).toBe(1);
    expect(data.stderr).toMatch(/no password given/);
  });

  it('names the default repository on stderr when none is configured, unless -q', async () => {
    const r = await cairn(sb, ['snapshots']);
    expect(r.stderr).toContain(`using the default repository ${sb.home}/.local/share/cairn/repository`);
    expect(r.stderr).toMatch(/choose another with -r or CAIRN_REPOSITORY/);
    const quiet = await cairn(sb, ['-q', 'snapshots']);
    expect(quiet.stderr).not.toMatch(/using the default repository/);
    expect((await cairn(sb, args('snapshots'))).stderr).not.toMatch(/default repository/);
  });
});
