// examples/qr-tool.yaml as written (folders moved into a sandbox, the S3 host replaced by s3rver): its job backs up
// the three folders to the local repository and copies them to the bucket with 7 daily kept; both restore to the
// same bytes (the excludes left out), restic reads the bucket's copy, and the job's drill passes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpReceiver } from '../../src/notify/testing/index.js';
import { cairn, randomData, restic, Sandbox, treeDigest } from '../harness/cli.js';
import { localExample } from '../harness/examples.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const sb = new Sandbox();
let s3: S3rver;
let smtp: SmtpReceiver;
const SMTP_PW = 'qr-smtp-pw';
let cfg: string;
let s3Url: string;
const env = (): Record<string, string> => ({
  ...s3.env,
  CAIRN_S3_PASSWORD: 'qr-s3-pw',
  CAIRN_SMTP_PASSWORD: SMTP_PW,
  // The mail server's self-signed certificate, trusted as a real one would be.
  NODE_EXTRA_CA_CERTS: sb.path('smtp.crt'),
});
const app = sb.path('srv/qr-tool');

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      sb.path('smtp.key'),
      '-out',
      sb.path('smtp.crt'),
    ],
    { stdio: 'ignore' },
  );
  const tls = {
    key: fs.readFileSync(sb.path('smtp.key'), 'utf8'),
    cert: fs.readFileSync(sb.path('smtp.crt'), 'utf8'),
  };
  [s3, smtp] = await Promise.all([
    startS3rver(),
    SmtpReceiver.start({ auth: { user: 'cairn@example.com', pass: SMTP_PW }, tls }),
  ]);
  s3Url = `s3:${s3.endpoint}/qr-tool-backups/cairn`;
  cfg = localExample(sb, 'qr-tool.yaml', [
    ['s3:s3.eu-central-1.amazonaws.com/', `s3:${s3.endpoint}/`],
    ['host: smtp.example.com\n      port: 587', `host: 127.0.0.1\n      port: ${smtp.port}`],
  ]);
  sb.write('etc/cairn/local.password', 'qr-local-pw\n', 0o600);
  sb.write('srv/qr-tool/uploads/logo.png', randomData(40_000, 1));
  sb.write('srv/qr-tool/uploads/big/scan.pdf', randomData(300_000, 2));
  sb.write('srv/qr-tool/uploads/partial.tmp', 'left out');
  sb.write('srv/qr-tool/codes/abc.svg', '<svg>abc</svg>\n');
  sb.write('srv/qr-tool/codes/.cache/x', 'left out');
  sb.write('srv/qr-tool/config/app.json', '{"name":"qr"}\n');
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), smtp?.close()]);
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

  it('mails ops over STARTTLS when a night fails, and only then', async () => {
    expect(smtp.mails).toEqual([]);
    fs.writeFileSync(sb.path('etc/cairn/local.password'), 'not-the-password\n');
    const failed = await cairn(sb, ['run', 'qr-tool', '--config', cfg], { env: env() });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^run \d+ of job qr-tool: failed: /m);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ to: ['ops@example.com'], user: 'cairn@example.com', secure: true });
    expect(mail.subject).toMatch(/qr-tool/);
    expect(mail.raw).not.toContain(SMTP_PW);
  }, 60_000);
});
