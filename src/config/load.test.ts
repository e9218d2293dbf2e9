import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './index.js';

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
      '13: server.listen: listens beyond this machine, so server.tokens must hold at least one API token',
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
