// `npm start` (scripts/demo.mjs): `cairn serve` with the embedded default config — URL first, the sample job run
// once at start into the default repository with a generated 0600 password, Ctrl-C stops it within seconds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cairn, ROOT, Sandbox } from '../harness/cli.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

describe('npm start', () => {
  it('serves the default config, backs up the given folder at once, and stops cleanly on Ctrl-C', async () => {
    sb.write('mine/notes.txt', 'notes\n');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'scripts/demo.mjs'), sb.path('mine'), '--listen', '127.0.0.1:0'],
      {
        cwd: sb.dir,
        env: sb.env(),
        stdio: 'pipe',
        detached: true,
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const deadline = Date.now() + 40_000;
    while (!out.includes('"event":"run-succeeded"') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(out.split('\n')[0]).toMatch(
      /^cairn serve: http:\/\/127\.0\.0\.1:\d+\/ {2}\(config .*cairn\.yaml, data .*\)$/,
    );
    expect(out).toContain('"event":"run-succeeded"');
    const pw = path.join(sb.home, '.config/cairn/password');
    expect(out).toContain(`its password is in ${pw}`);
    expect(fs.statSync(pw).mode & 0o777).toBe(0o600);
    const t0 = Date.now();
    process.kill(-child.pid!, 'SIGINT'); // what Ctrl-C does: the whole foreground process group
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    const status = await cairn(sb, ['status']);
    expect(status.stdout).toMatch(/^sample +succeeded /m);
    const drill = await cairn(sb, ['run', 'sample', '--drill', '--json']);
    expect(drill.code, drill.stderr).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({
      kind: 'drill',
      outcome: 'succeeded',
      trigger: 'manual',
    });
    const snaps = await cairn(sb, ['snapshots', '--json']);
    expect((JSON.parse(snaps.stdout) as { paths: string[] }[])[0]!.paths).toEqual([sb.path('mine')]);
  }, 60_000);
});
