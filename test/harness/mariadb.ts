import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

/** A throwaway MariaDB server on 127.0.0.1 with a TCP user `test`/`testpw` (COMPONENTS.md §2). */
export interface MariaDb {
  host: '127.0.0.1';
  port: number;
  user: 'test';
  password: 'testpw';
  dir: string;
  /** Runs SQL as root over the socket; returns the tab-separated output without column names. */
  sql(text: string, database?: string): string;
  /** `CHECKSUM TABLE` of every table of a database, by table name. */
  checksums(database: string): Record<string, string>;
  /** Kills the server at once (a dump in flight breaks). */
  kill(): void;
  stop(): Promise<void>;
}

/** Whether the MariaDB server binaries are installed (tests skip without them, except in CI). */
export function haveMariaDb(): boolean {
  const ok = fs.existsSync('/usr/sbin/mariadbd') && fs.existsSync('/usr/bin/mariadb-install-db');
  if (!ok && process.env.CI) throw new Error('mariadb-server is missing: run scripts/install-test-deps.sh');
  return ok;
}

export async function startMariaDb(): Promise<MariaDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-mariadb-'));
  const sock = path.join(dir, 'mysqld.sock');
  execFileSync('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
    port = await freePort();
    const c = spawn('mariadbd', [
      '--no-defaults', '--user=root', `--datadir=${dir}/data`, `--socket=${sock}`, `--port=${port}`, '--bind-address=127.0.0.1',
      '--skip-name-resolve', `--pid-file=${dir}/mysqld.pid`, `--log-error=${dir}/error.log`,
      '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M', '--event-scheduler=OFF',
    ], { stdio: 'ignore' });
    if (await ready(c, sock, port, dir)) child = c;
    else c.kill('SIGKILL');
  }
  if (child === undefined) throw new Error(`mariadbd did not start: ${readLog(dir)}`);
  const server = child;
  const root = (text: string, database?: string): string =>
    execFileSync('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '--batch', '--skip-column-names', ...(database ? [`--database=${database}`] : [])], { input: text }).toString();
  root("CREATE USER 'test'@'127.0.0.1' IDENTIFIED BY 'testpw'; GRANT ALL ON *.* TO 'test'@'127.0.0.1' WITH GRANT OPTION;");
  return {
    host: '127.0.0.1',
    port,
    user: 'test',
    password: 'testpw',
    dir,
    sql: root,
    checksums(database) {
      const tables = root('SHOW FULL TABLES WHERE Table_type = "BASE TABLE";', database).split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!);
      const out: Record<string, string> = {};
      for (const t of tables) out[t] = root(`CHECKSUM TABLE \`${t}\` EXTENDED;`, database).trim().split('\t')[1]!;
      return out;
    },
    kill() {
      server.kill('SIGKILL');
    },
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'error.log'), 'utf8').split('\n').slice(-5).join(' ');
  } catch {
    return '(no log)';
  }
}

/** Ready when our own server answers on its socket and says it listens on our port (another may have taken it). */
async function ready(child: ChildProcess, sock: string, port: number, dir: string): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      execFileSync('mariadb-admin', ['--no-defaults', `--socket=${sock}`, '-uroot', 'ping'], { stdio: 'ignore' });
      if (fs.readFileSync(path.join(dir, 'error.log'), 'utf8').includes(`port: ${port}`)) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
