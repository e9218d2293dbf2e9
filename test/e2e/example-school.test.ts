// examples/school.yaml as written (folders moved into a sandbox; MariaDB and the off-site REST server replaced by
// local ones): the database job dumps the school database with the config folder beside it, the media job runs
// as a low-priority child; both copy off site; the dump loads back into MariaDB with the same table checksums, the
// files restore to the same bytes, both drills pass, and a failing night reaches the webhook.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver } from '../../src/notify/testing/index.js';
import { cairn, randomData, Sandbox, treeDigest } from '../harness/cli.js';
import { localExample } from '../harness/examples.js';
import { haveMariaDb, startMariaDb, type MariaDb } from '../harness/mariadb.js';
import { RcloneRest } from '../harness/rclone-rest.js';

type Run = {
  id: number;
  outcome: string;
  error: string | null;
  snapshotIds: string[];
  steps: { kind: string; repository: string; outcome: string }[];
};

describe.skipIf(!haveMariaDb())('examples/school.yaml', () => {
  const sb = new Sandbox();
  let db: MariaDb;
  let rest: RcloneRest;
  let hooks: HttpReceiver;
  let cfg: string;
  const env = (): Record<string, string> => ({
    CAIRN_API_TOKEN: 'school-token-0123456789',
    CAIRN_ALERT_WEBHOOK: hooks.url('/alerts'),
  });
  const run = async (job: string, ...more: string[]): Promise<Run & { code: number; stderr: string }> => {
    const r = await cairn(sb, ['run', job, '--config', cfg, '--json', ...more], { env: env() });
    return { ...(JSON.parse(r.stdout || '{}') as Run), code: r.code, stderr: r.stderr };
  };
  const repos = {
    local: () => ['-r', sb.path('srv/backup/school'), '-p', sb.path('etc/cairn/school.password')],
    offsite: () => ['-r', rest.repo('school'), '-p', sb.path('etc/cairn/offsite.password')],
  };

  beforeAll(async () => {
    [db, rest, hooks] = await Promise.all([startMariaDb(), RcloneRest.start(), HttpReceiver.start()]);
    db.sql(`
      CREATE DATABASE school; USE school;
      CREATE TABLE pupils (id INT PRIMARY KEY, name VARCHAR(50)) ENGINE=InnoDB;
      INSERT INTO pupils SELECT seq, CONCAT('pupil ', seq) FROM seq_1_to_300;
      CREATE TABLE marks (pupil INT, mark DECIMAL(4,1), KEY (pupil)) ENGINE=InnoDB;
      INSERT INTO marks SELECT seq % 300 + 1, (seq % 60) / 10 FROM seq_1_to_1000;
      CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY 'dump-pw';
      GRANT SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT, RELOAD, PROCESS ON *.* TO 'backup'@'127.0.0.1';
    `);
    cfg = localExample(sb, 'school.yaml', [
      ['mysql://backup@localhost/', `mysql://backup@127.0.0.1:${db.port}/`],
      ['rest:https://backup.example.org:8000/school', rest.repo('school')],
    ]);
    sb.write('etc/cairn/school.password', 'school-local-pw\n', 0o600);
    sb.write('etc/cairn/offsite.password', 'school-offsite-pw\n', 0o600);
    sb.write('etc/cairn/mysql.password', 'dump-pw\n', 0o600);
    sb.write('srv/school/config/platform.ini', '[db]\nname=school\n');
    sb.write('srv/school/media/2026/trip.jpg', randomData(200_000, 3));
    sb.write('srv/school/media/2026/notes.pdf', randomData(50_000, 4));
    sb.write('srv/school/media/upload.part', 'left out');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([db?.stop(), rest?.stop(), hooks?.close()]);
    sb.cleanup();
  });

  it('backs up the database with its config and the media, copies both off site; each restores; the drills pass', async () => {
    const before = db.checksums('school');
    const database = await run('database');
    expect(database.code, database.stderr).toBe(0);
    expect(database.outcome).toBe('succeeded');
    expect(database.steps.map((s) => `${s.kind} ${s.repository} ${s.outcome}`)).toEqual([
      'forget local succeeded',
      'copy offsite succeeded',
      'forget offsite succeeded',
    ]);
    const media = await run('media');
    expect(media.code, media.stderr).toBe(0);
    expect(media.outcome).toBe('succeeded');
    expect(media.steps.map((s) => `${s.kind} ${s.repository}`)).toEqual(['forget local', 'copy offsite']);

    // The database, off site, back into MariaDB: the same rows.
    const offsite = await cairn(sb, [
      '-r',
      rest.repo('school'),
      '-p',
      sb.path('etc/cairn/offsite.password'),
      'snapshots',
      '--json',
    ]);
    const copied = (JSON.parse(offsite.stdout) as { id: string; tags: string[] }[]).find((s) =>
      s.tags.includes('cairn-job:database'),
    )!;
    const load = await cairn(sb, [
      ...repos.offsite(),
      'restore',
      copied.id,
      '--to',
      `mysql://test:testpw@127.0.0.1:${db.port}/school_restored`,
    ]);
    expect(load.code, load.stderr).toBe(0);
    expect(db.checksums('school_restored')).toEqual(before);

    // The files from the local repository: the config beside the dump, the media without the *.part upload.
    const to = sb.path('restored');
    for (const id of [database.snapshotIds[0]!, media.snapshotIds[0]!]) {
      const r = await cairn(sb, [...repos.local(), 'restore', id, '--target', to]);
      expect(r.code, r.stderr).toBe(0);
    }
    const config = sb.path('srv/school/config');
    expect(treeDigest(path.join(to, config))).toEqual(treeDigest(config));
    const mediaDir = sb.path('srv/school/media');
    const want = treeDigest(mediaDir);
    delete want['upload.part'];
    expect(treeDigest(path.join(to, mediaDir))).toEqual(want);
    expect(fs.readFileSync(path.join(to, 'mysql/school.sql'), 'utf8')).toContain('CREATE TABLE `pupils`');

    for (const job of ['database', 'media']) {
      const drill = await run(job, '--drill');
      expect(drill.code, drill.stderr).toBe(0);
      expect(drill.outcome).toBe('succeeded');
    }
    // Successes are not routed to the webhook (failure, warning, recovery only).
    expect(hooks.requests).toEqual([]);
  }, 120_000);

  it('alerts the webhook when the database cannot be dumped', async () => {
    db.sql("ALTER USER 'backup'@'127.0.0.1' IDENTIFIED BY 'changed';");
    const failed = await run('database');
    expect(failed.code).toBe(1);
    expect(failed.outcome).toBe('failed');
    expect(hooks.requests).toHaveLength(1);
    const body = JSON.parse(hooks.requests[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ job: 'database' });
    expect(JSON.stringify(body)).not.toContain('dump-pw');
  }, 60_000);
});
