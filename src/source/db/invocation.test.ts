import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MysqlSpec, PostgresSpec } from '../spec.js';
import { parseSourceUri } from '../uri.js';
import { mysqlInvocation } from './mysql.js';
import { postgresEnv } from './postgres.js';

describe('how the database tools are called', () => {
  it('MariaDB: connection and TLS in argv, the password only in MYSQL_PWD', () => {
    const spec = parseSourceUri('mysql://app:s3cret@db:3307/school?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem') as MysqlSpec;
    const { args, env } = mysqlInvocation(spec);
    expect(args).toEqual(['--host=db', '--port=3307', '--protocol=TCP', '--user=app', '--ssl', '--ssl-verify-server-cert', '--ssl-ca=/etc/ca.pem']);
    expect(args.join(' ')).not.toContain('s3cret');
    expect(env.MYSQL_PWD).toBe('s3cret');
  });

  it('a password file gives the password; a bad ssl-mode or an unreadable file is one sentence', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-pw-')), 'pw');
    fs.writeFileSync(file, 'from-file\nignored\n', { mode: 0o600 });
    const spec = parseSourceUri(`mysql://app@db/school?password-file=${file}`) as MysqlSpec;
    expect(mysqlInvocation(spec).env.MYSQL_PWD).toBe('from-file');
    fs.rmSync(path.dirname(file), { recursive: true });
    expect(() => mysqlInvocation(spec)).toThrow(/The password file .* cannot be read \(ENOENT\)\./);
    expect(() => mysqlInvocation(parseSourceUri('mysql://db/x?ssl-mode=SOMETIMES') as MysqlSpec)).toThrow(/ssl-mode=SOMETIMES is not one of/);
  });

  it('PostgreSQL: everything through libpq variables, nothing in argv', () => {
    const spec = parseSourceUri('postgres://pg:s3cret@db:5433/app?sslmode=verify-full&sslrootcert=/etc/ca.pem') as PostgresSpec;
    const env = postgresEnv(spec, 'app');
    expect(env).toMatchObject({ PGHOST: 'db', PGPORT: '5433', PGUSER: 'pg', PGPASSWORD: 's3cret', PGDATABASE: 'app', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ca.pem' });
  });
});
