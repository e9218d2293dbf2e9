// An untimed smoke run of `npm run bench:quick`, so that the benchmark never rots: it must finish and print, for
// both tools, every step's figures and ratios (the figures themselves are not judged). Lean, as CI shares two cores:
// the local part (restic beside Cairn, every step, all three sets at smaller sizes still) and the maintenance part on
// its small tree; the remote, serve and stream parts are left out for time.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../harness/cli.js';
import { RESTIC } from '../harness/restic.js';

const GNU_TIME = fs.existsSync('/usr/bin/time');
if (!GNU_TIME && process.env.CI)
  throw new Error('/usr/bin/time is missing: run scripts/install-test-deps.sh');

/** The cells of `step`'s row in the table printed under the line starting with `title`. */
function row(out: string, title: string, step: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  expect(start, `no table "${title}" in:\n${out}`).toBeGreaterThanOrEqual(0);
  const line = lines.slice(start + 2).find((l) => l.startsWith(`${step}  `));
  expect(line, `no row "${step}" under "${title}"`).toBeDefined();
  return line!.slice(step.length).trim().split(/\s+/);
}

const isFigure = (cell: string): boolean => /^\d+(\.\d+)?$/.test(cell) && Number.isFinite(Number(cell));

describe.skipIf(RESTIC === undefined || !GNU_TIME)('bench:quick smoke', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('runs every step for Cairn and restic and prints wall, CPU, RSS, repository sizes and ratios', async () => {
    const env = sb.env({
      BENCH_QUICK: '1',
      BENCH_DIR: sb.path('bench'),
      BENCH_ONLY: 'local,maintenance',
      BENCH_TINY_FILES: '500',
      BENCH_BIG_MIB: '16',
      BENCH_SMALL: '1',
      BENCH_SNAPSHOTS: '2',
    });
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          [path.join(ROOT, 'bench/run.mjs')],
          { env, cwd: sb.dir, maxBuffer: 1 << 24, timeout: 290_000 },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      },
    );
    expect(code, stderr).toBe(0);

    const backups = ['initial', 'nochange'];
    const tables: [string, string[]][] = [
      ['app dataset on local disk', [...backups, 'changed', 'full restore', 'partial restore']],
      ['tiny dataset on local disk', [...backups, 'full restore']],
      ['big dataset on local disk', [...backups, 'full restore']],
      ['maintenance after 2 snapshots, small tree', ['forget+prune', 'check --read-data']],
    ];
    for (const [title, steps] of tables) {
      for (const step of steps) {
        const cells = row(stdout, title, step);
        // Wall, CPU and peak RSS of each tool with their ratios; then the repository's sizes and their ratio
        // (figures after backups, dashes after restores; no such columns in the maintenance table).
        expect(cells, `${title} / ${step}: ${cells.join(' ')}`).toHaveLength(
          title.startsWith('maintenance') ? 9 : 12,
        );
        const timings = cells.slice(0, 9);
        expect(timings.every(isFigure), `${title} / ${step}: ${cells.join(' ')}`).toBe(true);
        const repo = cells.slice(9);
        if (title.startsWith('maintenance')) expect(repo).toEqual([]);
        else if (backups.includes(step) || step === 'changed')
          expect(repo.every(isFigure), repo.join(' ')).toBe(true);
        else expect(repo).toEqual(['-', '-', '-']);
      }
    }
    expect(stdout).toMatch(/read \(tar\) +\d+ MiB\/s/);
    expect(stdout).toMatch(/SHA-256 \+ zstd -3, \d+ threads +\d+ MiB\/s/);
    for (const tool of ['cairn', 'restic'])
      expect(stdout).toMatch(new RegExp(`initial backup, ${tool} +\\d+ MiB/s = \\d+% of the limit`));
  }, 300_000);
});
