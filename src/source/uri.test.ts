import { describe, expect, it } from 'vitest';
import { isSourceUri, parseSourceUri, redactUri } from './uri.js';

describe('source URIs', () => {
  it('parses a MySQL URI with password, port, database and TLS options; display has no password', () => {
    expect(parseSourceUri('mysql://app:s%40cret@db.example:3307/classroom?ssl-mode=REQUIRED&ssl-ca=/etc/ca.pem')).toEqual({
      kind: 'mysql',
      database: 'classroom',
      connection: {
        user: 'app',
        password: 's@cret',
        host: 'db.example',
        port: 3307,
        options: { 'ssl-mode': 'REQUIRED', 'ssl-ca': '/etc/ca.pem' },
        display: 'mysql://app@db.example:3307/classroom?ssl-mode=REQUIRED&ssl-ca=/etc/ca.pem',
      },
    });
  });

  it('without a database means every database; postgres takes ?globals=1 and a password file', () => {
    expect(parseSourceUri('mysql://root@localhost/')).toMatchObject({ kind: 'mysql', connection: { user: 'root', host: 'localhost' } });
    expect(parseSourceUri('mysql://root@localhost')).not.toHaveProperty('database');
    expect(parseSourceUri('postgres://pg@127.0.0.1:5432/?globals=1&password-file=/run/pw')).toEqual({
      kind: 'postgres',
      globals: true,
      connection: { user: 'pg', host: '127.0.0.1', port: 5432, passwordFile: '/run/pw', options: {}, display: 'postgres://pg@127.0.0.1:5432/?globals=1&password-file=/run/pw' },
    });
    expect(parseSourceUri('postgresql://h/app')).toMatchObject({ kind: 'postgres', database: 'app' });
  });

  it('sqlite needs an absolute path; command splits its words', () => {
    expect(parseSourceUri('sqlite:///var/lib/app/app.db')).toEqual({ kind: 'sqlite', path: '/var/lib/app/app.db' });
    expect(parseSourceUri('command:pg_dumpall -U postgres')).toEqual({ kind: 'command', filename: 'pg_dumpall', command: 'pg_dumpall', args: ['-U', 'postgres'] });
  });

  it('takes Docker volumes and containers (their own parser, docker-uri.ts)', () => {
    expect(parseSourceUri('docker-volume:pgdata?stop-containers=true')).toEqual({ kind: 'docker-volume', name: 'pgdata', stopContainers: true });
    expect(parseSourceUri('docker-container:web')).toEqual({ kind: 'docker-container', name: 'web' });
    expect(isSourceUri('docker-volume:x')).toBe(true);
    expect(isSourceUri('docker-volumes:x')).toBe(false);
    expect(() => parseSourceUri('docker-volume:a/b')).toThrow('"a/b" is not a Docker volume name.');
  });

  it.each([
    ['mysql:host/db', /needs "\/\/" after the scheme/],
    ['mysql://u:pw@h:99999/db', /cannot be parsed as a URL/],
    ['mysql://u:pw@h/db?sslmode=require', /"sslmode" is not an option of mysql URIs/],
    ['mysql://u:pw@h/a/b', /database name contains "\/"/],
    ['sqlite://relative.db', /needs an absolute path/],
    ['sqlite:///var/lib/', /names a folder/],
    ['command:', /names no command/],
  ])('%s is refused in one sentence without the password', (uri, why) => {
    expect(() => parseSourceUri(uri)).toThrow(why);
    try {
      parseSourceUri(uri);
    } catch (err) {
      expect((err as Error).message).not.toContain(':pw@');
      expect((err as Error).message).toMatch(/^"[^"]+" is not a valid source URI: .*\.$/);
    }
  });

  it('tells URIs from paths, and redacts passwords', () => {
    expect(isSourceUri('/srv/media')).toBe(false);
    expect(isSourceUri('C:/x')).toBe(false);
    expect(isSourceUri('s3:host/bucket')).toBe(false);
    expect(isSourceUri('mysql://h/db')).toBe(true);
    expect(redactUri('postgres://u:secret@h/db')).toBe('postgres://u:***@h/db');
  });
});
