import { describe, expect, it } from 'vitest';
import { CairnError } from '../../core/index.js';
import { parseSftpLocation } from './location.js';

const env = { HOME: '/home/ann', USER: 'ann' };
const parse = (
  url: string,
  options: Record<string, string> = {},
  e: Record<string, string | undefined> = env,
) => parseSftpLocation(url, options, e);
const where = (url: string) => {
  const c = parse(url);
  return { user: c.user, host: c.host, port: c.port, path: c.path };
};

describe('parseSftpLocation: URL forms', () => {
  it('reads sftp:user@host:/abs/path as an absolute path on port 22', () => {
    expect(where('sftp:bob@backup.example:/srv/restic-repo')).toEqual({
      user: 'bob',
      host: 'backup.example',
      port: 22,
      path: '/srv/restic-repo',
    });
  });

  it('reads sftp:user@host:rel/path as relative to the login directory', () => {
    expect(where('sftp:bob@host:backups/repo/').path).toBe('backups/repo');
  });

  it('takes the user from USER, then LOGNAME, when the URL names none', () => {
    expect(where('sftp:host:/r').user).toBe('ann');
    expect(parse('sftp:host:/r', {}, { HOME: '/h', LOGNAME: 'lou' }).user).toBe('lou');
    expect(() => parse('sftp:host:/r', {}, { HOME: '/h' })).toThrow(/names no user and USER is not set/);
  });

  it('keeps all but the last "@" in the user, as restic does', () => {
    expect(where('sftp:me@corp.example@host:/r')).toMatchObject({ user: 'me@corp.example', host: 'host' });
  });

  it('reads sftp://user@host:port//abs/path as absolute and a single slash as relative', () => {
    expect(where('sftp://root@127.0.0.1:2222//srv/repo')).toEqual({
      user: 'root',
      host: '127.0.0.1',
      port: 2222,
      path: '/srv/repo',
    });
    expect(where('sftp://root@127.0.0.1:2222/repo')).toMatchObject({ port: 2222, path: 'repo' });
    expect(where('sftp://root@host/a/b')).toMatchObject({ port: 22, path: 'a/b' });
  });

  it('decodes %-escapes in the sftp:// form', () => {
    expect(where('sftp://r%40x@host//my%20repo')).toMatchObject({ user: 'r@x', path: '/my repo' });
  });

  it('accepts bracketed IPv6 hosts in both forms', () => {
    expect(where('sftp://root@[::1]:2022//r')).toMatchObject({ host: '::1', port: 2022 });
    expect(where('sftp:root@[fe80::1]:/r')).toMatchObject({ host: 'fe80::1', port: 22, path: '/r' });
  });

  it('cleans paths like restic: dots, doubled and trailing slashes; empty and ~ mean the login directory', () => {
    expect(where('sftp:h:/a/./b//c/../d/').path).toBe('/a/b/d');
    expect(where('sftp:h:').path).toBe('.');
    expect(where('sftp:h:~/repo').path).toBe('repo');
    expect(where('sftp:h:~').path).toBe('.');
  });

  it('shows a location without secrets, in the form that reproduces it', () => {
    expect(parse('sftp:bob@host:/srv/r').location).toBe('sftp:bob@host:/srv/r');
    expect(parse('sftp://bob@host:2222//srv/r').location).toBe('sftp://bob@host:2222//srv/r');
    expect(parse('sftp://bob@host:2222/rel').location).toBe('sftp://bob@host:2222/rel');
  });

  it.each([
    ['sftp:hostonly', /no "host:path" part/],
    ['sftp://host', /names no folder/],
    ['sftp://bob:secret@host//r', /Passwords do not belong/],
    ['sftp:bob:pw@host:/r', /Passwords do not belong/],
    ['sftp://h:99999//r', /port/],
    ['sftp://h:0//r', /port/],
    ['sftp:ho st:/r', /no valid host/],
    ['sftp:h:~other/r', /~user/],
    ['s3:host/bucket', /starts with "sftp:"/],
  ])('rejects %s with a clear sentence', (url, message) => {
    try {
      parse(url);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CairnError);
      expect((err as CairnError).code).toBe('invalid-argument');
      expect((err as CairnError).message).toMatch(message);
      expect((err as CairnError).message).not.toMatch(/secret/);
    }
  });
});

describe('parseSftpLocation: keys, known_hosts, options', () => {
  it('offers ~/.ssh/id_ed25519, id_ecdsa, id_rsa under HOME and ssh-agent from SSH_AUTH_SOCK', () => {
    const c = parse('sftp:h:/r', {}, { ...env, SSH_AUTH_SOCK: '/run/agent.sock' });
    expect(c.keyFiles).toEqual([
      '/home/ann/.ssh/id_ed25519',
      '/home/ann/.ssh/id_ecdsa',
      '/home/ann/.ssh/id_rsa',
    ]);
    expect(c.explicitKey).toBe(false);
    expect(c.agentSocket).toBe('/run/agent.sock');
    expect(c.knownHostsFile).toBe('/home/ann/.ssh/known_hosts');
    expect(c.connections).toBe(5);
  });

  it('uses -o sftp.key and -o sftp.known-hosts instead, expanding ~', () => {
    const c = parse('sftp:h:/r', {
      'sftp.key': '~/keys/backup',
      'sftp.known-hosts': '/etc/kh',
      'sftp.connections': '3',
    });
    expect(c.keyFiles).toEqual(['/home/ann/keys/backup']);
    expect(c.explicitKey).toBe(true);
    expect(c.knownHostsFile).toBe('/etc/kh');
    expect(c.connections).toBe(3);
  });

  it('needs HOME or -o sftp.known-hosts', () => {
    expect(() => parse('sftp:u@h:/r', {}, {})).toThrow(/HOME is not set/);
    expect(parse('sftp:u@h:/r', { 'sftp.known-hosts': '/k' }, {}).keyFiles).toEqual([]);
  });

  it('rejects unknown sftp.* keys and other backends’ keys', () => {
    expect(() => parse('sftp:h:/r', { 'sftp.foo': '1' })).toThrow(
      /Unknown option -o sftp.foo; known: sftp.key/,
    );
    expect(() => parse('sftp:h:/r', { 's3.region': 'x' })).toThrow(/does not apply to an SFTP repository/);
    expect(() => parse('sftp:h:/r', { 'sftp.connections': '0' })).toThrow(/from 1 to 10/);
  });
});

describe('-o sftp.command (as restic)', () => {
  it('splits the command into words as a shell would, without running one', () => {
    const command = (line: string): unknown => parse('sftp:h:/r', { 'sftp.command': line }).command;
    expect(command(`ssh -i '/k e y' -o "A=b c" host\\ name -s sftp`)).toEqual(['ssh', '-i', '/k e y', '-o', 'A=b c', 'host name', '-s', 'sftp']);
    expect(() => command('ssh "x')).toThrow(/unclosed quote/);
    expect(() => command('  ')).toThrow(/is empty/);
  });

  it('keeps the URL path and needs neither HOME nor a user', () => {
    const c = parseSftpLocation('sftp:h:/srv/r', { 'sftp.command': 'ssh h -s sftp' }, {});
    expect(c).toMatchObject({ command: ['ssh', 'h', '-s', 'sftp'], path: '/srv/r', location: 'sftp:h:/srv/r' });
  });
});
