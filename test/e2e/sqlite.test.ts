import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTIC } from '../harness/restic.js';
import { Sandbox, cairn, restic } from '../harness/cli.js';

/** Inserts a row into `a` and one into `b` in each transaction, as fast as it can, until killed. */
const WRITER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 10000 });
let i = 0;
for (;;) {
  db.exec('BEGIN IMMEDIATE');
  db.prepare('INSERT INTO a (v) VALUES (?)').run(i);
  db.prepare('INSERT INTO b (v) VALUES (?)').run(i);
  db.exec('COMMIT');
  if (++i === 200) process.stdout.write('writing\\n');
}`;

describe('SQLite source and restore target', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  const app = sb.path('app/app.db');
  const run = (args: string[]) => cairn(sb, ['-r', repo, '-p', sb.path('pw'), ...args]);

  beforeAll(async () => {
    sb.write('pw', 'secret', 0o600);
    fs.mkdirSync(sb.path('app'));
    fs.mkdirSync(sb.path('out'));
    const db = new DatabaseSync(app);
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE a (id INTEGER PRIMARY KEY, v); CREATE TABLE b (id INTEGER PRIMARY KEY, v, pad DEFAULT (randomblob(300)));");
    db.close();
    expect((await run(['init'])).code).toBe(0);
  });
  afterAll(() => sb.cleanup());

  it('copies a database that is being written, consistent (both tables of every transaction) and intact', async () => {
    const writer = spawn(process.execPath, ['-e', WRITER, app], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    try {
      const r = await run(['backup', `sqlite://${app}`]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      writer.kill('SIGKILL');
    }
    const restored = await run(['restore', 'latest', '--to', `sqlite://${sb.path('out/app.db')}`]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(fs.readdirSync(sb.path('out'))).toEqual(['app.db']);
    const copy = new DatabaseSync(sb.path('out/app.db'), { readOnly: true });
    const count = (t: string): number => (copy.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    expect((copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
    expect(count('a')).toBeGreaterThanOrEqual(200);
    expect(count('b')).toBe(count('a'));
    copy.close();
    if (RESTIC) expect((await restic(sb, ['-r', repo, 'check'], { env: { RESTIC_PASSWORD: 'secret' } })).code).toBe(0);
  });

  it('refuses to replace an existing database without --force, and replaces it whole with it', async () => {
    const target = sb.path('out/app.db');
    const r = await run(['restore', 'latest', '--to', `sqlite://${target}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists and is not empty; restore to another path or add --force/);
    fs.writeFileSync(target, 'not a database at all');
    fs.writeFileSync(target + '-wal', 'stale');
    const forced = await run(['restore', 'latest', '--to', `sqlite://${target}`, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.existsSync(target + '-wal')).toBe(false);
    const copy = new DatabaseSync(target, { readOnly: true });
    expect((copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
    copy.close();
  });

  it('restore --to a kind of database the snapshot holds no dump for: one sentence', async () => {
    const r = await run(['restore', 'latest', '--to', 'mysql://u@127.0.0.1:1/db']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^cairn: Snapshot [0-9a-f]{8} holds no dump that mysql:\/\/u@127\.0\.0\.1:1\/db can load\.$/);
  });

  it('a database file that does not exist: one sentence, exit 1, no snapshot', async () => {
    const before = fs.readdirSync(`${repo}/snapshots`).length;
    const r = await run(['backup', `sqlite://${sb.path('nope.db')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/nope\.db does not exist or is not a file\.$/);
    expect(fs.readdirSync(`${repo}/snapshots`)).toHaveLength(before);
  });

  it('a file that is not a database fails its copy: no snapshot, no temporary file left', async () => {
    const bogus = sb.write('bogus.db', 'hello, I am text');
    const before = fs.readdirSync(`${repo}/snapshots`).length;
    const tmpBefore = fs.readdirSync('/tmp').filter((f) => f.startsWith('cairn-sqlite-')).length;
    const r = await run(['backup', `sqlite://${bogus}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot be copied/);
    expect(fs.readdirSync(`${repo}/snapshots`)).toHaveLength(before);
    expect(fs.readdirSync('/tmp').filter((f) => f.startsWith('cairn-sqlite-')).length).toBeLessThanOrEqual(tmpBefore);
  });
});
