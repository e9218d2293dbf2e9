/**
 * restic's global TLS flags against a real HTTPS REST server (rclone serve restic with a self-signed certificate
 * that also demands a client certificate): `--cacert`, `--insecure-tls`, `--tls-client-cert`, each beside restic.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, restic } from '../harness/cli.js';
import { RcloneRest } from '../harness/rclone-rest.js';
import { startS3rver } from '../harness/s3rver.js';

let sb: Sandbox;
let server: RcloneRest;
let pw: string;

/** A self-signed P-256 certificate for `cn` (its own CA), as two PEM files. */
function selfSigned(name: string, cn: string, san?: string): { cert: string; key: string } {
  const cert = sb.path(`${name}.crt`);
  const key = sb.path(`${name}.key`);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'],
      ...['-subj', `/CN=${cn}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

beforeAll(async () => {
  sb = new Sandbox();
  pw = sb.write('pw', 'secret\n');
  fs.chmodSync(pw, 0o600);
  const server_ = selfSigned('server', '127.0.0.1', 'IP:127.0.0.1');
  const client = selfSigned('client', 'backup-client');
  fs.writeFileSync(sb.path('client.pem'), fs.readFileSync(client.cert, 'utf8') + fs.readFileSync(client.key, 'utf8'));
  server = await RcloneRest.start({ tls: { ...server_, clientCa: client.cert } });
}, 30_000);

afterAll(async () => {
  await server?.stop();
  sb.cleanup();
});

const repo = (): string[] => ['-r', server.repo('r'), '-p', pw];
const clientCert = (): string[] => ['--tls-client-cert', sb.path('client.pem')];

describe('TLS flags as restic', () => {
  it('--cacert with --tls-client-cert reaches the server; restic reads the same repository with the same flags', async () => {
    const flags = [...repo(), '--cacert', sb.path('server.crt'), ...clientCert()];
    const init = await cairn(sb, [...flags, 'init']);
    expect(init.code, init.stderr).toBe(0);
    sb.write('data/f.txt', 'over tls\n');
    expect((await cairn(sb, [...flags, 'backup', '-q', sb.path('data')])).code).toBe(0);
    const [c, r] = await Promise.all([cairn(sb, [...flags, 'ls', 'latest']), restic(sb, [...flags, 'ls', 'latest'])]);
    expect([c.code, r.code], c.stderr + r.stderr).toEqual([0, 0]);
    expect(c.stdout.split('\n').slice(1)).toEqual(r.stdout.split('\n').slice(1));
    expect(c.stdout).toContain('/data/f.txt');
  });

  it('without --cacert the self-signed certificate is refused in one sentence that names --cacert', async () => {
    const c = await cairn(sb, [...repo(), ...clientCert(), 'snapshots']);
    expect(c.code).toBe(1);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
    expect(c.stderr).toMatch(/not trusted.*--cacert/);
  });

  it('--insecure-tls skips verification of the server certificate', async () => {
    const c = await cairn(sb, [...repo(), '--insecure-tls', ...clientCert(), 'snapshots', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toHaveLength(1);
  });

  it('fails without the client certificate the server demands, as restic does', async () => {
    const args = [...repo(), '--cacert', sb.path('server.crt'), 'snapshots'];
    const [c, r] = await Promise.all([cairn(sb, args), restic(sb, args)]);
    expect(c.code).not.toBe(0);
    expect(r.code).not.toBe(0);
    expect(c.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('refuses unreadable or incomplete certificate files in one sentence', async () => {
    const missing = await cairn(sb, [...repo(), '--cacert', sb.path('nope.crt'), 'snapshots']);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, expect.stringMatching(/^.*Cannot read --cacert .*nope\.crt \(ENOENT\)\.$/)]);
    const certOnly = await cairn(sb, [...repo(), '--cacert', sb.path('server.crt'), '--tls-client-cert', sb.path('client.crt'), 'snapshots']);
    expect(certOnly.code).toBe(1);
    expect(certOnly.stderr).toMatch(/--tls-client-cert .*client\.crt must hold a PEM certificate and its private key\./);
  });
});

describe('TLS flags for S3', () => {
  it('--cacert trusts an HTTPS S3 server with a self-signed certificate; without it the server is refused', async () => {
    const srv = await startS3rver({ tls: selfSigned('s3', '127.0.0.1', 'IP:127.0.0.1') });
    try {
      const args = ['-r', `s3:${srv.endpoint}/tls-bucket`, '-p', pw];
      const env = { env: srv.env };
      const init = await cairn(sb, [...args, '--cacert', sb.path('s3.crt'), 'init'], env);
      expect(init.code, init.stderr).toBe(0);
      const r = await restic(sb, [...args, '--cacert', sb.path('s3.crt'), 'snapshots', '--json'], env);
      expect([r.code, r.stdout.trim()], r.stderr).toEqual([0, '[]']);
      const refused = await cairn(sb, [...args, 'snapshots'], { env: { ...srv.env, CAIRN_RETRY_ATTEMPTS: '1' } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await srv.stop();
    }
  }, 60_000);
});
