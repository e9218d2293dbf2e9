import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backend/local/index.js';
import { Repository } from '../../src/repository/index.js';
import { Sandbox, cairn, restic } from '../harness/cli.js';

/** Another host's lock, two hours old by our clock: it may be live (clock skew), so only the user may remove it. */
describe("another host's old lock", () => {
  let sb: Sandbox;
  let repo: string;
  const args = (...a: string[]): string[] => ['-r', repo, '-p', sb.path('pw'), ...a];

  beforeAll(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    sb.write('src/a.txt', 'alpha\n');
    repo = sb.path('repo');
    expect((await cairn(sb, args('init'))).code).toBe(0);
    const r = await Repository.open(new LocalBackend(repo), { password: 'secret' });
    const time = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    const doc = { time, exclusive: true, hostname: 'far-away-host', username: 'bob', pid: 4242 };
    await r.saveUnpacked('locks', Buffer.from(JSON.stringify(doc)));
    await r.close();
  });
  afterAll(() => sb?.cleanup());

  it('refuses with one sentence naming holder, host, PID, age and `cairn unlock`, exit 11, and keeps the lock', async () => {
    const r = await cairn(sb, args('backup', sb.path('src')));
    expect(r.code, r.stderr).toBe(11);
    expect(r.stderr).toBe(
      'cairn: The repository is locked by bob on far-away-host (PID 4242, exclusive lock, created 2 hours ago); ' +
        'if that process no longer runs, remove the lock with `cairn unlock`.\n',
    );
    expect(fs.readdirSync(path.join(repo, 'locks'))).toHaveLength(1);
  });

  it('--unlock-stale-after removes it with a warning naming it, and the backup runs', async () => {
    const bad = await cairn(sb, args('--unlock-stale-after', 'soon', 'snapshots'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('cairn: --unlock-stale-after must be a duration such as 90m, 2h or 1d, not "soon".\n');
    const r = await cairn(sb, args('--unlock-stale-after', '90m', 'backup', sb.path('src')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: Removed the stale lock [0-9a-f]{8} of bob on far-away-host \(PID 4242, exclusive lock, created 2 hours ago\): it is older than 1 hour 30 minutes\.$/m,
    );
    expect(fs.readdirSync(path.join(repo, 'locks'))).toHaveLength(0);
    const check = await restic(sb, args('check'));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
