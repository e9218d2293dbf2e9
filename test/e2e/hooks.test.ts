import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn } from '../harness/cli.js';

describe('backup --pre / --post hooks', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  const log = sb.path('hook.log');
  const record = `echo "$CAIRN_HOOK $CAIRN_OUTCOME id=$CAIRN_SNAPSHOT_ID repo=$CAIRN_REPOSITORY err=$CAIRN_ERROR pw=$CAIRN_PASSWORD" >> ${log}`;
  const run = (args: string[]) => cairn(sb, ['-r', repo, ...args], { env: { CAIRN_PASSWORD: 'secret' } });
  const snapshots = (): string[] => fs.readdirSync(`${repo}/snapshots`);

  beforeAll(async () => {
    sb.write('data/a.txt', 'a');
    expect((await run(['init'])).code).toBe(0);
  });
  afterAll(() => sb.cleanup());

  it('runs the pre-hook first and the post-hook after success, with the snapshot id and no password', async () => {
    fs.rmSync(log, { force: true });
    const r = await run(['backup', '--pre', record, '--post', record, sb.path('data')]);
    expect(r.code, r.stderr).toBe(0);
    const [id] = snapshots();
    expect(fs.readFileSync(log, 'utf8')).toBe(`pre  id= repo=${repo} err= pw=\npost success id=${id} repo=${repo} err= pw=\n`);
  });

  it('a failing pre-hook stops the backup; the post-hook still runs and is told why', async () => {
    fs.rmSync(log, { force: true });
    const before = snapshots().length;
    const r = await run(['backup', '--pre', 'exit 4', '--post', record, sb.path('data')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('cairn: The --pre hook "exit 4" exited with status 4.');
    expect(snapshots()).toHaveLength(before);
    expect(fs.readFileSync(log, 'utf8')).toBe(`post failure id= repo=${repo} err=The --pre hook "exit 4" exited with status 4. pw=\n`);
  });

  it('the post-hook runs after a failed backup with CAIRN_OUTCOME=failure and the error', async () => {
    fs.rmSync(log, { force: true });
    const r = await run(['backup', '--post', record, sb.path('missing')]);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/^post failure id= .*err=Nothing to back up: .*missing does not exist/);
  });

  it('a failing post-hook after a good backup fails the command but keeps the snapshot', async () => {
    const before = snapshots().length;
    const r = await run(['backup', '--post', 'exit 2', sb.path('data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The --post hook "exit 2" exited with status 2 \(snapshot [0-9a-f]{8} was saved\)\./);
    expect(snapshots()).toHaveLength(before + 1);
  });

  it('masks a password in the repository URL', async () => {
    const { maskRepository } = await import('../../src/app/index.js');
    expect(maskRepository('rest:https://user:pw@host:8000/repo')).toBe('rest:https://user:***@host:8000/repo');
    expect(maskRepository('/srv/repo')).toBe('/srv/repo');
  });
});
