// `cairn config check`: the example configs are valid, and a bad file gets every problem with its line, exit 1.
// A daemon job's source URI goes to the backup as `cairn backup` takes it.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { cairn, ROOT, Sandbox } from '../harness/cli.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const SECRETS = {
  CAIRN_S3_PASSWORD: 's3-pw',
  CAIRN_SMTP_PASSWORD: 'smtp-pw',
  CAIRN_API_TOKEN: 'token-0123456789abcdef',
  CAIRN_ALERT_WEBHOOK: 'https://hooks.example/x',
};

describe('cairn config check', () => {
  it.each([
    ['qr-tool.yaml', 'qr-tool'],
    ['school.yaml', 'database, media'],
  ])('accepts examples/%s', async (file, jobs) => {
    const r = await cairn(sb, ['config', 'check', path.join(ROOT, 'examples', file)], { env: SECRETS });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`: valid (2 repositories, ${jobs.split(', ').length} jobs: ${jobs})`);
    expect(r.code).toBe(0);
  });

  it('names a missing secret', async () => {
    const r = await cairn(sb, ['config', 'check', path.join(ROOT, 'examples/qr-tool.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /qr-tool\.yaml:16: repositories\.s3\.password: refers to the environment variable CAIRN_S3_PASSWORD, which is not set/,
    );
  });

  it('lists every problem of a bad file with its line and key, without a stack trace', async () => {
    const file = sb.write(
      'bad.yaml',
      'repositories:\n  r: { url: /x, password: p }\njobs:\n  a:\n    sources: [/x]\n    schedule: { every: soon }\n    repositories: [r, s]\n  b:\n    schedule: { cron: "0 2 * *" }\n    repositories: [r]\n',
    );
    const r = await cairn(sb, ['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  '))).toEqual([
      `  ${file}:6: jobs.a.schedule.every: must be a duration such as 30s, 15m, 24h or 7d`,
      `  ${file}:7: jobs.a.repositories.1: names the repository "s", which is not defined under repositories`,
      `  ${file}:8: jobs.b.sources: is required`,
      `  ${file}:9: jobs.b.schedule.cron: is not a valid cron pattern (5 or 6 fields: [seconds] minutes hours day month weekday)`,
    ]);
    expect(r.stderr).toMatch(/^cairn: The config file .* has 4 problems:$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a daemon job with a source URI', () => {
  it('backs up sqlite:///… as `cairn backup` does: the database under /sqlite/', async () => {
    const db = new DatabaseSync(sb.path('app.db'));
    db.exec("CREATE TABLE t (v); INSERT INTO t VALUES ('hello');");
    db.close();
    fs.mkdirSync(sb.path('files'));
    sb.write('files/a.txt', 'a');
    sb.write('pw', 'daemon-pw');
    const config = sb.write(
      'sqlite.yaml',
      `repositories:
  local: { url: ${sb.path('repo')}, password_file: pw, create: true }
jobs:
  app:
    sources: ["sqlite://${sb.path('app.db')}", ${sb.path('files')}]
    schedule: { cron: "0 0 2 * * *" }
    repositories: [local]
`,
    );
    const run = await cairn(sb, ['run', 'app', '--config', config, '--data-dir', sb.path('data')]);
    expect(run.stderr).not.toMatch(/"level":(40|50)/);
    expect(run.stdout).toMatch(/^run \d+ of job app: succeeded$/m);
    expect(run.code).toBe(0);
    const ls = await cairn(sb, ['-r', sb.path('repo'), '-p', sb.path('pw'), 'ls', 'latest']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('/sqlite/app.db');
    expect(ls.stdout).toContain(`${sb.path('files')}/a.txt`);
    const snaps = await cairn(sb, ['-r', sb.path('repo'), '-p', sb.path('pw'), 'snapshots', '--json']);
    const [snap] = JSON.parse(snaps.stdout) as { tags: string[] }[];
    expect(snap!.tags).toEqual(expect.arrayContaining(['cairn-job:app', 'source:sqlite']));
  });
});
