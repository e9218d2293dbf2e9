import { describe, expect, it } from 'vitest';
import { parseSftpLocation } from './location.js';
import { expandIdentityFile, hostLineMatches, sshConfigFor } from './ssh-config.js';

const CONFIG = `
# defaults before any Host apply everywhere
IdentityFile ~/.ssh/first
Host backup nas-*  !nas-old
  HostName %h.example.net
  User=alice
  Port 2222
  IdentityFile "~/.ssh/id_backup"
Host *
  User nobody
  Port 22
Match host x
  User never
`;

describe('~/.ssh/config (as ssh reads it)', () => {
  it('matches Host patterns with wildcards and negation', () => {
    expect(hostLineMatches(['nas-*', '!nas-old'], 'nas-1')).toBe(true);
    expect(hostLineMatches(['nas-*', '!nas-old'], 'nas-old')).toBe(false);
    expect(hostLineMatches(['b?ckup'], 'BACKUP')).toBe(true);
  });

  it('takes the first value of each keyword and adds up identity files', () => {
    expect(sshConfigFor(CONFIG, 'backup')).toEqual({
      hostName: 'backup.example.net',
      user: 'alice',
      port: 2222,
      identityFiles: ['~/.ssh/first', '~/.ssh/id_backup'],
    });
    expect(sshConfigFor(CONFIG, 'other')).toEqual({ user: 'nobody', port: 22, identityFiles: ['~/.ssh/first'] });
  });

  it('expands ~ and the %d %u %h %r tokens of IdentityFile', () => {
    const t = { home: '/home/me', localUser: 'me', host: 'h.net', user: 'bob' };
    expect(expandIdentityFile('~/.ssh/%r@%h', t)).toBe('/home/me/.ssh/bob@h.net');
    expect(expandIdentityFile('%d/k-%u', t)).toBe('/home/me/k-me');
    expect(expandIdentityFile('~/k', { ...t, home: undefined })).toBeUndefined();
  });

  it('applies to an sftp:alias:path URL; what the URL and -o sftp.key say win', () => {
    const env = { HOME: '/home/me', USER: 'me' };
    const viaAlias = parseSftpLocation('sftp:backup:/srv/repo', {}, env, CONFIG);
    expect(viaAlias).toMatchObject({ host: 'backup.example.net', user: 'alice', port: 2222, location: 'sftp:alice@backup:/srv/repo' });
    expect(viaAlias.keyFiles).toEqual(['/home/me/.ssh/first', '/home/me/.ssh/id_backup']);
    const explicit = parseSftpLocation('sftp://carl@backup:2200//srv/repo', { 'sftp.key': '/k' }, env, CONFIG);
    expect(explicit).toMatchObject({ host: 'backup.example.net', user: 'carl', port: 2200, keyFiles: ['/k'] });
    expect(parseSftpLocation('sftp:plain:/r', {}, env, '')).toMatchObject({ host: 'plain', user: 'me', port: 22 });
  });
});
