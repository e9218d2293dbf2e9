import { CairnError } from '../../core/index.js';
import { lastLine, runCommand, startCommand } from '../child.js';
import type { RestoreTarget } from '../source.js';
import type { PostgresSpec } from '../spec.js';
import { connectionPassword, requireProgram, sqlString } from './connection.js';
import type { DumpDriver, DumpStream, ServerInfo } from './dump-source.js';

const PACKAGE = 'postgresql-client';
/** URI query options and the libpq variables they become. */
const SSL_ENV: Record<string, string> = { sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY' };

/** The environment of a PostgreSQL tool: the whole connection (password in PGPASSWORD) goes there, none in argv. */
export function postgresEnv(spec: PostgresSpec, database?: string): NodeJS.ProcessEnv {
  const c = spec.connection;
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10' };
  if (c.host !== undefined) env.PGHOST = c.host;
  if (c.port !== undefined) env.PGPORT = String(c.port);
  if (c.user !== undefined) env.PGUSER = c.user;
  const password = connectionPassword(c);
  if (password !== undefined) env.PGPASSWORD = password;
  for (const [k, v] of Object.entries(c.options)) env[SSL_ENV[k]!] = v;
  if (database !== undefined) env.PGDATABASE = database;
  return env;
}

/**
 * Runs SQL through psql (from standard input, so `:'name'` variables work), stopping at the first error.
 * @throws CairnError 'source-unreadable' with the server's sentence when it fails.
 */
async function psql(spec: PostgresSpec, database: string, sql: string, vars: Record<string, string> = {}, signal?: AbortSignal): Promise<string[]> {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`])];
  const r = await runCommand(requireProgram(['psql'], PACKAGE), args, {
    env: postgresEnv(spec, database),
    input: sql,
    packageHint: PACKAGE,
    ...(signal ? { signal } : {}),
  });
  if (r.code !== 0) throw new CairnError('source-unreadable', `${spec.connection.display} cannot be used: ${lastLine(r.stderr).replace(/^FATAL:\s*/, '').replace(/\.$/, '')}.`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** PostgreSQL dumps: `pg_dump -Fc` per database (each one consistent), and roles with `?globals=1`. */
export function postgresDriver(spec: PostgresSpec): DumpDriver {
  return {
    kind: 'postgres',
    from: spec.connection.display,
    async probe(signal): Promise<ServerInfo> {
      const dumpTool = requireProgram(['pg_dump'], PACKAGE);
      const listing =
        spec.database === undefined
          ? "SELECT current_setting('server_version');\nSELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1;\n"
          : "SELECT current_setting('server_version');\n";
      const [server = '', ...names] = await psql(spec, spec.database ?? 'postgres', listing, {}, signal);
      const databases = spec.database === undefined ? names : [spec.database];
      const streams: DumpStream[] = databases.map((db) => ({
        name: `${db}.dump`,
        start: (s) =>
          startCommand(dumpTool, ['-Fc'], { signal: s, env: postgresEnv(spec, db), captureStderr: true, label: `pg_dump of ${db}`, packageHint: PACKAGE }),
      }));
      if (spec.globals === true) {
        const all = requireProgram(['pg_dumpall'], PACKAGE);
        streams.push({
          name: 'globals.sql',
          start: (s) =>
            startCommand(all, ['--globals-only'], { signal: s, env: postgresEnv(spec, 'postgres'), captureStderr: true, label: 'pg_dumpall --globals-only', packageHint: PACKAGE }),
        });
      }
      const v = await runCommand(dumpTool, ['--version'], { packageHint: PACKAGE });
      return { server: `PostgreSQL ${server}`, tool: v.stdout.trim(), streams };
    },
  };
}

/** Tables, views, sequences and functions a database holds outside the system schemas. */
const OBJECTS_SQL =
  "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','v','m','S','f','p') " +
  "AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%') + " +
  "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema'));\n";

/**
 * `restore --to postgres://…/db`: `pg_restore --no-owner --exit-on-error --single-transaction`, so a failed load
 * leaves the database as it was.
 */
export function postgresTarget(spec: PostgresSpec): RestoreTarget {
  const db = spec.database;
  const display = spec.connection.display;
  if (db === undefined) throw new CairnError('invalid-argument', `Name the database to restore into, as in ${display.replace(/\/?$/, '/newdb')}.`);
  let replace = false;
  return {
    display,
    folder: '/postgres',
    accepts: (p) => /^\/postgres\/[^/]+\.dump$/.test(p),
    async prepare(force, signal): Promise<void> {
      const [exists = '0'] = await psql(spec, 'postgres', "SELECT count(*) FROM pg_database WHERE datname = :'name';\n", { name: db }, signal);
      if (exists === '0') {
        await psql(spec, 'postgres', 'CREATE DATABASE :"name";\n', { name: db }, signal);
        return;
      }
      const [objects = '0'] = await psql(spec, db, OBJECTS_SQL, {}, signal);
      if (objects !== '0' && !force) {
        throw new CairnError('invalid-argument', `The database ${db} on ${display} is not empty (${objects} tables, sequences and functions); restore into a new database or add --force.`);
      }
      replace = objects !== '0';
    },
    async write(data, signal): Promise<void> {
      const args = ['--no-owner', '--exit-on-error', '--single-transaction', ...(replace ? ['--clean', '--if-exists'] : []), `--dbname=dbname=${conninfoValue(db)}`];
      const r = await runCommand(requireProgram(['pg_restore'], PACKAGE), args, { env: postgresEnv(spec), input: data, packageHint: PACKAGE, ...(signal ? { signal } : {}) });
      if (r.code !== 0) throw new CairnError('fatal', `Loading the dump into ${display} failed (nothing was changed): ${lastLine(r.stderr).replace(/\.$/, '')}.`);
    },
    async check(sql, signal): Promise<string[]> {
      if (sql !== undefined) return psql(spec, db, sql.endsWith(';') ? sql + '\n' : sql + ';\n', {}, signal);
      const tables = await psql(
        spec,
        db,
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1;\n",
        {},
        signal,
      );
      if (tables.length === 0) return [];
      const counts = tables.map((t) => `SELECT ${sqlString(t)} || chr(9) || count(*) FROM ${t}`).join(' UNION ALL ');
      return psql(spec, db, counts + ';\n', {}, signal);
    },
    async drop(): Promise<void> {
      await psql(spec, 'postgres', 'DROP DATABASE IF EXISTS :"name" WITH (FORCE);\n', { name: db });
    },
  };
}

/** A libpq connection-string value: quoted, with quotes and backslashes escaped. */
function conninfoValue(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
