import { CairnError } from '../../core/index.js';
import { lastLine, runCommand, startCommand } from '../child.js';
import type { RunningCommand } from '../child.js';
import type { RestoreTarget } from '../source.js';
import type { MysqlSpec } from '../spec.js';
import { connectionPassword, requireProgram, sqlString } from './connection.js';
import type { DumpDriver, ServerInfo } from './dump-source.js';

const PACKAGE = 'mariadb-client';
/** Databases of the server itself, never dumped (users and grants live in `mysql`: see docs/sources.md). */
const SYSTEM = new Set(['information_schema', 'performance_schema', 'sys', 'mysql']);

/** Arguments and environment that reach a MariaDB/MySQL tool: the password only in MYSQL_PWD, never in argv. */
export function mysqlInvocation(spec: MysqlSpec): { args: string[]; env: NodeJS.ProcessEnv } {
  const c = spec.connection;
  const args: string[] = [];
  if (c.host !== undefined) args.push(`--host=${c.host}`);
  if (c.port !== undefined) args.push(`--port=${c.port}`, '--protocol=TCP');
  if (c.user !== undefined) args.push(`--user=${c.user}`);
  for (const [k, v] of Object.entries(c.options)) {
    if (k === 'ssl-mode') args.push(...sslMode(v));
    else args.push(`--${k}=${v}`);
  }
  const env = { ...process.env };
  const password = connectionPassword(c);
  if (password !== undefined) env.MYSQL_PWD = password;
  return { args, env };
}

/** MySQL's `--ssl-mode` in MariaDB's words (the MariaDB tools have no such option). */
function sslMode(mode: string): string[] {
  switch (mode.toUpperCase()) {
    case 'DISABLED':
      return ['--skip-ssl'];
    case 'PREFERRED':
      return [];
    case 'REQUIRED':
      return ['--ssl'];
    case 'VERIFY_CA':
    case 'VERIFY_IDENTITY':
      return ['--ssl', '--ssl-verify-server-cert'];
    default:
      throw new CairnError('invalid-argument', `ssl-mode=${mode} is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY.`);
  }
}

function client(): string {
  return requireProgram(['mariadb', 'mysql'], PACKAGE);
}

/** Runs SQL through the client; @throws CairnError 'source-unreadable' with the server's sentence when it fails. */
async function query(spec: MysqlSpec, sql: string, signal?: AbortSignal, database?: string): Promise<string[]> {
  const { args, env } = mysqlInvocation(spec);
  const db = database !== undefined ? [`--database=${database}`] : [];
  const r = await runCommand(client(), [...args, ...db, '--batch', '--skip-column-names', '--raw'], {
    env,
    input: sql,
    packageHint: PACKAGE,
    ...(signal ? { signal } : {}),
  });
  if (r.code !== 0) throw new CairnError('source-unreadable', `${spec.connection.display} cannot be used: ${lastLine(r.stderr).replace(/\.$/, '')}.`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** MariaDB/MySQL dumps: `mariadb-dump --single-transaction` (InnoDB-consistent without locks), one file per database. */
export function mysqlDriver(spec: MysqlSpec): DumpDriver {
  return {
    kind: 'mysql',
    from: spec.connection.display,
    async probe(signal): Promise<ServerInfo> {
      const dumpTool = requireProgram(['mariadb-dump', 'mysqldump'], PACKAGE);
      const [server = '', ...names] = await query(spec, 'SELECT VERSION();\nSHOW DATABASES;\n', signal);
      let databases = names.filter((n) => !SYSTEM.has(n));
      if (spec.database !== undefined) {
        if (!names.includes(spec.database)) {
          throw new CairnError('source-unreadable', `The database ${spec.database} does not exist on ${spec.connection.display} (or the user may not see it).`);
        }
        databases = [spec.database];
      }
      const v = await runCommand(dumpTool, ['--version'], { packageHint: PACKAGE });
      return { server, tool: v.stdout.trim(), streams: databases.map((db) => ({ name: `${db}.sql`, start: (s) => dump(spec, dumpTool, db, s) })) };
    },
  };
}

function dump(spec: MysqlSpec, tool: string, db: string, signal: AbortSignal): RunningCommand {
  const { args, env } = mysqlInvocation(spec);
  const flags = ['--single-transaction', '--routines', '--triggers', '--events', '--hex-blob'];
  return startCommand(tool, [...args, ...flags, '--', db], { signal, env, captureStderr: true, label: `${tool} of ${db}`, packageHint: PACKAGE });
}

/** `restore --to mysql://…/db`: the dump is streamed into the `mariadb` client. */
export function mysqlTarget(spec: MysqlSpec): RestoreTarget {
  const db = spec.database;
  const display = spec.connection.display;
  if (db === undefined) throw new CairnError('invalid-argument', `Name the database to restore into, as in ${display.replace(/\/?$/, '/newdb')}.`);
  return {
    display,
    folder: '/mysql',
    accepts: (p) => /^\/mysql\/[^/]+\.sql$/.test(p),
    async prepare(force, signal): Promise<void> {
      const name = sqlString(db);
      const [row = ''] = await query(
        spec,
        `SELECT (SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ${name}),` +
          ` (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ${name})` +
          ` + (SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = ${name});\n`,
        signal,
      );
      const [exists, objects] = row.split('\t').map(Number);
      if (exists === 0) await query(spec, `CREATE DATABASE \`${db.replace(/`/g, '``')}\`;\n`, signal);
      else if ((objects ?? 0) > 0 && !force) {
        throw new CairnError('invalid-argument', `The database ${db} on ${display} is not empty (${objects} tables and routines); restore into a new database or add --force.`);
      }
    },
    async write(data, signal): Promise<void> {
      const { args, env } = mysqlInvocation(spec);
      const r = await runCommand(client(), [...args, `--database=${db}`, '--batch'], { env, input: data, packageHint: PACKAGE, ...(signal ? { signal } : {}) });
      if (r.code !== 0) throw new CairnError('fatal', `Loading the dump into ${display} failed: ${lastLine(r.stderr).replace(/\.$/, '')}.`);
    },
    async check(sql, signal): Promise<string[]> {
      if (sql !== undefined) return query(spec, sql.endsWith(';') ? sql + '\n' : sql + ';\n', signal, db);
      const tables = await query(spec, `SELECT table_name FROM information_schema.tables WHERE table_schema = ${sqlString(db)} AND table_type = 'BASE TABLE' ORDER BY 1;\n`, signal);
      if (tables.length === 0) return [];
      const counts = tables.map((t) => `SELECT ${sqlString(t)}, COUNT(*) FROM \`${t.replace(/`/g, '``')}\``).join(' UNION ALL ');
      return query(spec, counts + ';\n', signal, db);
    },
    async drop(): Promise<void> {
      await query(spec, `DROP DATABASE IF EXISTS \`${db.replace(/`/g, '``')}\`;\n`);
    },
  };
}
