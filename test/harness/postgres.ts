import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 server on 127.0.0.1, user `postgres`/`testpw` over TCP (COMPONENTS.md §3). */
export interface Postgres {
  host: '127.0.0.1';
  port: number;
  user: 'postgres';
  password: 'testpw';
  dir: string;
  /** Runs SQL with psql over TCP; unaligned, tuples only. */
  sql(text: string, database?: string): string;
  /** md5 of every row of a table in primary-key order: equal hashes mean equal content. */
  tableHash(database: string, table: string): string;
  stop(): Promise<void>;
}

export function havePostgres(): boolean {
  const ok = fs.existsSync(`${BIN}/initdb`);
  if (!ok && process.env.CI) throw new Error('postgresql is missing: run scripts/install-test-deps.sh');
  return ok;
}

/** Runs a PostgreSQL server binary as the postgres user (initdb and pg_ctl refuse root). */
function asPostgres(bin: string, args: string[]): string {
  const cmd = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', `${BIN}/${bin}`, ...args]] as const : [`${BIN}/${bin}`, args] as const;
  return execFileSync(cmd[0], [...cmd[1]], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export async function startPostgres(): Promise<Postgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-pg-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'pwfile'), 'testpw\n');
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:', dir]);
  asPostgres('initdb', ['-D', `${dir}/data`, '-U', 'postgres', `--pwfile=${dir}/pwfile`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  let port: number;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      asPostgres('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/server.log`, '-w', '-t', '60', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`, 'start']);
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  const env = { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: 'testpw' };
  const sql = (text: string, database = 'postgres'): string =>
    execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database], { input: text, env }).toString();
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'testpw',
    dir,
    sql,
    tableHash: (database, table) => sql(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ${table} t;`, database).trim(),
    async stop() {
      try {
        asPostgres('pg_ctl', ['-D', `${dir}/data`, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
