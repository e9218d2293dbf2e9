import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './index.js';

const GOOD = `
repositories:
  local:
    url: /srv/backup
    password: \${PW}
jobs:
  app:
    sources: [/srv/app]
    schedule: { cron: "0 0 2 * * *" }
    repositories:
      - name: local
        retention: { keep_daily: 7 }
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'cairn.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('accepts a good file, fills defaults and replaces ${ENV}', () => {
    const c = parseConfig(GOOD, 'cairn.yaml', { PW: 'secret' });
    expect(c.repositories.local!.password).toBe('secret');
    expect(c.jobs.app!.schedule.catch_up).toBe('run-once');
    expect(c.server.listen).toBe('127.0.0.1:8420');
  });

  it('lists every problem at once with its line and key', () => {
    const bad = `
repositories:
  local:
    url: /srv/backup
    pasword: x
jobs:
  app:
    sources: []
    schedule: { cron: "not a cron" }
    repositories: [offsite]
    retension: 3
server:
  listen: 0.0.0.0:80
`;
    expect(problems(bad)).toEqual([
      '3: repositories.local: give exactly one of password, password_file and password_command',
      '5: repositories.local.pasword: is not a known key',
      '8: jobs.app.sources: Too small: expected array to have >=1 items',
      '9: jobs.app.schedule.cron: is not a valid cron pattern (5 or 6 fields: [seconds] minutes hours day month weekday)',
      '10: jobs.app.repositories.0: names the repository "offsite", which is not defined under repositories',
      '11: jobs.app.retension: is not a known key',
      '13: server.listen: listens beyond this machine, so server.users (dashboard logins) or server.tokens (API tokens) must not be empty',
    ]);
  });

  it('takes dashboard users with a scrypt hash, and refuses a password or a weak hash in its place', () => {
    const hash = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
    const users = (list: string): string =>
      `${GOOD}server:\n  listen: 0.0.0.0:8420\n  restore_roots: [/srv/restore]\n  users:\n${list}`;
    const c = parseConfig(users(`    - { name: ann, password_hash: "${hash}" }\n`), 'cairn.yaml', {
      PW: 'x',
    });
    expect(c.server.users).toEqual([{ name: 'ann', password_hash: hash }]);
    expect(c.server.restore_roots).toEqual(['/srv/restore']);
    expect(
      problems(
        users(
          `    - { name: ann, password_hash: hunter2 }\n    - { name: bob, password_hash: "${hash.replace('32768', '1000')}" }\n    - { name: ann, password_hash: "${hash}" }\n`,
        ).replace('[/srv/restore]', '[srv/restore]'),
        { PW: 'x' },
      ),
    ).toEqual([
      '15: server.restore_roots.0: must be an absolute path',
      '16: server.users: user names must be unique',
      '17: server.users.0.password_hash: must be a hash printed by `cairn hash-password` (scrypt$N$r$p$salt$hash), never the password itself',
      '18: server.users.1.password_hash: must be a hash printed by `cairn hash-password` (scrypt$N$r$p$salt$hash), never the password itself',
    ]);
  });

  it('names a missing environment variable and a missing section', () => {
    expect(problems(GOOD.replace(/jobs:[^]*/, ''))).toEqual(
      [
        '5: repositories.local.password: refers to the environment variable PW, which is not set',
        '2: jobs: is required',
      ].sort(),
    );
  });

  it("validates the notifications section and the jobs' routes, with line and key", () => {
    const bad = `${GOOD}    notify: [mail, { channels: [chat, pager], on: [failure, sometimes] }]
    sources: [/srv/app, "mysql://app@db/shop?colour=red"]
notifications:
  channels:
    mail: { type: smtp, host: mx, from: a@b.c }
    chat: { type: webhook, url: "ftp://x" }
  routes:
    - channels: [mail]
      jobs: [app, gone]
`.replace('    sources: [/srv/app]\n', '');
    expect(problems(bad, { PW: 'x' })).toEqual([
      '12: jobs.app.notify.1.on.1: Invalid option: expected one of "failure"|"warning"|"success"|"recovery"|"start"',
      '12: jobs.app.notify.1.channels.1: names the channel "pager", which is not defined under notifications.channels (the channels are: mail, chat)',
      '13: jobs.app.sources.1: "mysql://app@db/shop?colour=red" is not a valid source URI: "colour" is not an option of mysql URIs (known: ssl-mode, ssl-ca, ssl-cert, ssl-key, socket, password-file).',
      '16: notifications.channels.mail.to: is required',
      '17: notifications.channels.chat.url: must be an http:// or https:// URL',
      '20: notifications.routes.0.jobs.1: names the job "gone", which is not defined under jobs',
    ]);
  });

  it('takes a bare channel name or a full route in a job, and defaults the classes', () => {
    const c = parseConfig(
      `${GOOD}    notify: [mail, { channels: [mail], on: [failure] }]
notifications:
  channels:
    mail: { type: smtp, host: mx, from: a@b.c, to: [d@e.f] }
`,
      'cairn.yaml',
      { PW: 'secret' },
    );
    expect(c.jobs.app!.notify).toEqual(['mail', { channels: ['mail'], on: ['failure'] }]);
    expect(c.notifications!.retry.attempts).toBe(4);
    expect(c.notifications!.channels.mail).toMatchObject({ type: 'smtp', starttls: 'auto' });
  });

  it("checks the job's resource options and on_change schedule, with line and key", () => {
    const bad =
      GOOD.replace('schedule: { cron: "0 0 2 * * *" }', 'schedule: { cron: "0 0 2 * * *", on_change: {} }') +
      `    io_priority: low
    limit_upload: 0
    window: { from: "1:00", to: "06:00" }
    archive: { to: "s3:https://s3/bucket", format: zip }
`;
    expect(problems(bad, { PW: 'x' })).toEqual([
      '9: jobs.app.schedule: give exactly one of cron, every and on_change',
      '13: jobs.app.io_priority: Invalid option: expected one of "normal"|"idle"',
      '14: jobs.app.limit_upload: Too small: expected number to be >=1',
      '15: jobs.app.window.from: must be a time of day such as 01:00 or 23:30:15',
      '16: jobs.app.archive.to: must be a local folder (archives to URLs are not supported yet)',
      '16: jobs.app.archive.format: Invalid option: expected one of "tar.zst"|"tar.gz"',
    ]);
    const c = parseConfig(
      GOOD.replace('{ cron: "0 0 2 * * *" }', '{ on_change: {} }') + '    archive: { to: /srv/archives }\n',
      'cairn.yaml',
      { PW: 'x' },
    );
    expect(c.jobs.app).toMatchObject({
      schedule: { on_change: { quiet: '30s' } },
      nice: false,
      io_priority: 'normal',
      archive: { to: '/srv/archives', format: 'tar.zst', keep: 7 },
    });
  });

  it('takes a relative archive.to from the config file folder', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-config-'));
    try {
      const file = path.join(dir, 'cairn.yaml');
      fs.writeFileSync(file, GOOD + '    archive: { to: archives }\n');
      const { config } = await loadConfig(file, { PW: 'x' });
      expect(config.jobs.app!.archive!.to).toBe(path.join(dir, 'archives'));
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('jobs:\n  a: [1, 2\n')[0]).toMatch(/^3: : /);
  });
});

describe('docs/cairn.schema.json', () => {
  it('is generated from the schema (npm run schemas)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { configJsonSchema } = await import('./index.js');
    const file = path.resolve(import.meta.dirname, '../../docs/cairn.schema.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
