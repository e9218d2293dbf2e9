import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, cairn, treeDigest } from '../harness/cli.js';

describe('embedded default repository', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
    sb.write('src/config/settings.json', '{"theme":"dark"}\n');
    sb.write('src/uploads/a.png', Buffer.alloc(70_000, 7));
    sb.write('src/output/report.txt', 'report\n'.repeat(1000));
  });
  afterEach(() => sb.cleanup());

  it('a read-only command without any repository exits 10 with a hint', async () => {
    const r = await cairn(sb, ['snapshots']);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/backup|init/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the first backup creates the default repository and a 0600 password file, and warns to keep it', async () => {
    const r = await cairn(sb, ['backup', sb.path('src')]);
    expect(r.code, r.stderr).toBe(0);
    const repo = path.join(sb.home, '.local/share/cairn/repository');
    const pw = path.join(sb.home, '.config/cairn/password');
    expect(fs.existsSync(path.join(repo, 'config'))).toBe(true);
    expect(fs.statSync(pw).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain(pw);
    const restored = sb.path('restored');
    const rr = await cairn(sb, ['restore', 'latest', '--target', restored, '--verify']);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(restored, sb.path('src')))).toEqual(treeDigest(sb.path('src')));
  });
});
