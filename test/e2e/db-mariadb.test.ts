import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTIC } from '../harness/restic.js';
import { Sandbox, cairn, jsonLines, restic } from '../harness/cli.js';
import { haveMariaDb, startMariaDb, type MariaDb } from '../harness/mariadb.js';

/** The pids and command lines of running processes whose program is `name`. */
function processes(name: string): { pid: number; cmdline: string; environ: string }[] {
  const out: { pid: number; cmdline: string; environ: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== name) continue;
      out.push({ pid: Number(d), cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'), environ: fs.readFileSync(`/proc/${d}/environ`, 'utf8') });
    } catch {
      // it ended meanwhile
    }
  }
  return out;
}

describe.skipIf(!haveMariaDb())('MariaDB sources and restore targets', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  let db: MariaDb;
  let uri: (database?: string, password?: string) => string;
  const run = (args: string[], opts: Parameters<typeof cairn>[2] = {}) => cairn(sb, ['-r', repo, '-p', sb.path('pw'), ...args], opts);
  const snapshotCount = async (): Promise<number> => fs.readdirSync(`${repo}/snapshots`).length;

  beforeAll(async () => {
    db = await startMariaDb();
    uri = (database = '', password = 'testpw') => `mysql://test:${password}@127.0.0.1:${db.port}/${database}`;
    db.sql(`
      CREATE DATABASE classroom; USE classroom;
      CREATE TABLE pupils (id INT PRIMARY KEY, name VARCHAR(50), photo BLOB) ENGINE=InnoDB;
      INSERT INTO pupils SELECT seq, CONCAT('pupil ', seq), UNHEX(SHA2(seq, 256)) FROM seq_1_to_5000;
      CREATE TABLE marks (pupil INT, mark DECIMAL(4,1), KEY (pupil)) ENGINE=InnoDB;
      INSERT INTO marks SELECT seq % 5000 + 1, (seq % 60) / 10 FROM seq_1_to_20000;
      CREATE VIEW good AS SELECT pupil FROM marks WHERE mark >= 4;
      CREATE TRIGGER no_neg BEFORE INSERT ON marks FOR EACH ROW SET NEW.mark = GREATEST(NEW.mark, 0);
      CREATE PROCEDURE best() SELECT MAX(mark) FROM marks;
      CREATE DATABASE other; CREATE TABLE other.t (x INT); INSERT INTO other.t VALUES (1), (2);
    `);
    sb.write('pw', 'secret', 0o600);
    sb.write('media/logo.png', Buffer.alloc(1000, 7));
    sb.write('config/app.ini', 'name=school\n');
    expect((await run(['init'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
    sb.cleanup();
  });

  it('backs up a database beside files as one snapshot that restic checks and reads, without the password in any argv', async () => {
    const seen: { pid: number; cmdline: string; environ: string }[] = [];
    const poll = setInterval(() => seen.push(...processes('mariadb-dump')), 5);
    const r = await run(['backup', '--json', sb.path('media'), sb.path('config'), uri('classroom')]);
    clearInterval(poll);
    expect(r.code, r.stderr).toBe(0);
    const dumps = seen.filter((p) => p.cmdline.includes('classroom'));
    expect(dumps.length).toBeGreaterThan(0);
    for (const p of seen) expect(p.cmdline).not.toContain('testpw');
    for (const p of dumps) {
      expect(p.cmdline).toContain('--single-transaction');
      expect(p.environ).toContain('MYSQL_PWD=testpw');
    }
    const [snap] = JSON.parse((await run(['snapshots', '--json'])).stdout) as { tags: string[]; paths: string[]; id: string }[];
    expect(snap!.tags).toEqual(['source:mysql']);
    expect(snap!.paths).toEqual(expect.arrayContaining(['/mysql/classroom.sql', sb.path('media'), sb.path('config')]));
    const meta = await run(['dump', 'latest', '/.cairn/sources.json']);
    expect(meta.stdout).not.toContain('testpw');
    const sources = (JSON.parse(meta.stdout) as { sources: { kind: string; server?: string; tool?: string; from: string }[] }).sources;
    const mysql = sources.find((s) => s.kind === 'mysql')!;
    expect(mysql.server).toMatch(/MariaDB/);
    expect(mysql.tool).toMatch(/mariadb-dump/);
    expect(mysql.from).toBe(`mysql://test@127.0.0.1:${db.port}/classroom`);
    const ours = await run(['dump', 'latest', '/mysql/classroom.sql']);
    expect(ours.stdout).toContain('CREATE TABLE `pupils`');
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ message_type: 'summary' });
    if (RESTIC) {
      const env = { env: { RESTIC_PASSWORD: 'secret' } };
      const check = await restic(sb, ['-r', repo, 'check', '--read-data'], env);
      expect(check.code, check.stderr).toBe(0);
      const theirs = await restic(sb, ['-r', repo, 'dump', 'latest', '/mysql/classroom.sql'], env);
      expect(theirs.stdout).toBe(ours.stdout);
    }
  });

  it('restores into a new database with equal table checksums, refuses a non-empty one without --force', async () => {
    const before = db.checksums('classroom');
    const r = await run(['restore', 'latest', '--to', uri('classroom_restored')]);
    expect(r.code, r.stderr).toBe(0);
    expect(db.checksums('classroom_restored')).toEqual(before);
    expect(db.sql("SELECT COUNT(*) FROM information_schema.views WHERE table_schema = 'classroom_restored';").trim()).toBe('1');
    expect(db.sql("SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'classroom_restored';").trim()).toBe('1');
    expect(db.sql("SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = 'classroom_restored';").trim()).toBe('1');
    const again = await run(['restore', 'latest', '--to', uri('classroom_restored')]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/is not empty .*--force/);
    const forced = await run(['restore', 'latest', '--to', uri('classroom_restored'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(db.checksums('classroom_restored')).toEqual(before);
  });

  it('drill --into loads the dump into a scratch database, counts rows, reports the load time and drops it', async () => {
    const r = await run(['drill', 'latest', '--into', uri(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tables: Record<string, number>; load_seconds: number; scratch_database: string; path: string };
    expect(out.path).toBe('/mysql/classroom.sql');
    expect(out.tables).toEqual({ marks: 20000, pupils: 5000 });
    expect(out.load_seconds).toBeGreaterThan(0);
    expect(db.sql("SHOW DATABASES LIKE 'cairn_drill%';").trim()).toBe('');
    const q = await run(['drill', 'latest', '--into', uri(), '--query', 'SELECT COUNT(*) FROM good']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/^ {2}\d+$/m);
    const bad = await run(['drill', 'latest', '--into', uri('classroom')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/takes a server without a database/);
  });

  it('without a database dumps every database, each to its own file', async () => {
    // The password from a file this time (`?password-file=`), not from the URI.
    const pw = sb.write('mysql.pw', 'testpw\n', 0o600);
    const r = await run(['backup', `mysql://test@127.0.0.1:${db.port}/?password-file=${pw}`]);
    expect(r.code, r.stderr).toBe(0);
    const ls = await run(['ls', 'latest', '/mysql']);
    expect(ls.stdout).toContain('/mysql/classroom.sql');
    expect(ls.stdout).toContain('/mysql/other.sql');
    expect(ls.stdout).not.toContain('/mysql/mysql.sql');
  });

  it.each([
    ['a wrong password', () => uri('classroom', 'wrong'), /Access denied/],
    ['a missing database', () => uri('nope'), /database nope does not exist/],
    ['an unreachable server', () => 'mysql://test:testpw@127.0.0.1:1/classroom', /Can't connect/],
    ['a malformed URI', () => 'mysql://test:testpw@127.0.0.1:99999/x', /is not a valid source URI/],
  ])('%s: one sentence, exit 1, no snapshot, repository valid', async (_what, make, message) => {
    const before = await snapshotCount();
    const r = await run(['backup', sb.path('config'), make()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('testpw');
    expect(await snapshotCount()).toBe(before);
  });

  it('names the Debian package when the dump tool is missing', async () => {
    const r = await run(['backup', uri('classroom')], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mariadb-dump or mysqldump is not installed; install the Debian package mariadb-client/);
  });

  it('a dump tool killed half-way writes no snapshot and leaves the repository valid', async () => {
    db.sql("CREATE TABLE big (id INT PRIMARY KEY, pad CHAR(200)) ENGINE=InnoDB; INSERT INTO big SELECT seq, REPEAT('x', 200) FROM seq_1_to_100000;", 'classroom');
    const before = await snapshotCount();
    let killed = 0;
    const firstSeen = new Map<number, number>();
    // Killed once it has run for a while: the dump has started writing, the snapshot must still not appear.
    const poll = setInterval(() => {
      for (const p of processes('mariadb-dump')) {
        if (!firstSeen.has(p.pid)) firstSeen.set(p.pid, Date.now());
        else if (Date.now() - firstSeen.get(p.pid)! > 150) {
          process.kill(p.pid, 'SIGKILL');
          killed++;
        }
      }
    }, 5);
    const r = await run(['backup', uri('classroom')]);
    clearInterval(poll);
    expect(killed).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mariadb-dump of classroom was killed by SIGKILL/);
    expect(await snapshotCount()).toBe(before);
    const check = await run(['check']);
    expect(check.code, check.stderr).toBe(0);
    db.sql('DROP TABLE classroom.big;');
  });
});
