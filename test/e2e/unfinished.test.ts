import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness/cli.js';

/** Runs a module script that installs reportUnfinished from the built CLI, then does `body`. */
function run(body: string): { code: number | null; stderr: string } {
  const main = path.join(ROOT, 'dist/cli/main.js');
  const script = `import(${JSON.stringify(main)}).then(({ reportUnfinished }) => { const done = reportUnfinished(); ${body} });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

describe('a command that never finishes', () => {
  it('exits 1 with one sentence instead of 0 when nothing is left to wait for', () => {
    const r = run('new Promise(() => {});');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^cairn: internal error: the command stopped before it finished/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says nothing once the command has finished', () => {
    const r = run('done();');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
