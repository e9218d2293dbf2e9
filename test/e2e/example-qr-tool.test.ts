// examples/qr-tool.yaml as written (folders moved into a sandbox, the S3 host replaced by s3rver): its job backs up
// the three folders to the local repository and copies them to the bucket with 7 daily kept; both restore to the
// same bytes (the excludes left out), restic reads the bucket's copy, and the job's drill passes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn, randomData, restic, Sandbox, treeDigest } from '../harness/cli.js';
import { localExample } from '../harness/examples.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const sb = new Sandbox();
let s3: S3rver;
let cfg: string;
let s3Url: string;
const env = (): Record<string, string> => ({
  ...s3.env,
  CAIRN_S3_PASSWORD: 'qr-s3-pw',
  CAIRN_SMTP_PASSWORD: 'unused-unless-a-run-fails',
});
const app = sb.path('srv/qr-tool');

beforeAll(async () => {
  s3 = await startS3rver();
  s3Url = `s3:${s3.endpoint}/qr-tool-backups/cairn`;
  cfg = localExample(sb, 'qr-tool.yaml', [['s3:s3.eu-central-1.amazonaws.com/', `s3:${s3.endpoint}/`]]);
  sb.write('etc/cairn/local.password', 'qr-local-pw\n', 0o600);
  sb.write('srv/qr-tool/uploads/logo.png', randomData(40_000, 1));
  sb.write('srv/qr-tool/uploads/big/scan.pdf', randomData(300_000, 2));
  sb.write('srv/qr-tool/uploads/partial.tmp', 'left out');
  sb.write('srv/qr-tool/codes/abc.svg', '<svg>abc</svg>\n');
  sb.write('srv/qr-tool/codes/.cache/x', 'left out');
  sb.write('srv/qr-tool/config/app.json', '{"name":"qr"}\n');
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  sb.cleanup();
});

/** The sources as a restore must give them back: everything but what the job's excludes match. */
function expected(): Record<string, string> {
  const want: Record<string, string> = {};
  for (const [k, v] of Object.entries(treeDigest(app)))
    if (!k.endsWith('.tmp') && !k.split('/').includes('.cache')) want[k] = v;
  return want;
}

describe('examples/qr-tool.yaml', () => {
  it('is valid and runs: local backup, copy to S3, both restore to the same files; the drill passes', async () => {
    const run = await cairn(sb, ['run', 'qr-tool', '--config', cfg, '--json'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      outcome: string;
      steps: { kind: string; repository: string; outcome: string }[];
    };
    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => `${s.kind} ${s.repository} ${s.outcome}`)).toEqual([
      'forget local succeeded',
      'copy s3 succeeded',
      'forget s3 succeeded',
    ]);
    expect(fs.existsSync(sb.path('var/lib/cairn/history.sqlite'))).toBe(true);
    for (const [repo, pw] of [
      [sb.path('srv/backup/qr-tool'), sb.path('etc/cairn/local.password')],
      [s3Url, sb.write('s3.pw', 'qr-s3-pw\n', 0o600)],
    ] as const) {
      const to = sb.path(`restored-${repo.startsWith('s3:') ? 's3' : 'local'}`);
      const r = await cairn(sb, ['-r', repo, '-p', pw, 'restore', 'latest', '--target', to], { env: s3.env });
      expect(r.code, r.stderr).toBe(0);
      expect(treeDigest(path.join(to, app))).toEqual(expected());
    }
    const ls = await restic(sb, ['-r', s3Url, 'ls', 'latest', '--json'], {
      env: { ...s3.env, RESTIC_PASSWORD: 'qr-s3-pw' },
    });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(`${app}/codes/abc.svg`);
    // A second night: retention keeps the daily snapshot (one per day), the drill restores a sample.
    sb.write('srv/qr-tool/codes/def.svg', '<svg>def</svg>\n');
    expect((await cairn(sb, ['run', 'qr-tool', '--config', cfg], { env: env() })).code).toBe(0);
    const snaps = await cairn(sb, ['-r', s3Url, '-p', sb.path('s3.pw'), 'snapshots', '--json'], {
      env: s3.env,
    });
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
    const drill = await cairn(sb, ['run', 'qr-tool', '--drill', '--config', cfg], { env: env() });
    expect(drill.stdout).toMatch(/^run \d+ of job qr-tool: succeeded$/m);
    expect(drill.code, drill.stderr).toBe(0);
  }, 90_000);
});
