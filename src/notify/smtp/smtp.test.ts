import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/harness/net.js';
import { isCairnError } from '../../core/index.js';
import type { SmtpChannelConfig } from '../config.js';
import { smtpChannelSchema } from '../config.js';
import { renderMessage } from '../message.js';
import { failedEvent, runChannelConformance, SmtpReceiver } from '../testing/index.js';
import { SmtpChannel } from './index.js';

const USER = 'cairn';
const PASS = 'mail-pass-7Hq2';
let plain: SmtpReceiver;
let tls: SmtpReceiver;
let smtps: SmtpReceiver;
let closedPort: number;
let dir: string;

const config = (over: Partial<SmtpChannelConfig> & { port: number }): SmtpChannelConfig =>
  smtpChannelSchema.parse({
    type: 'smtp',
    host: '127.0.0.1',
    starttls: 'off',
    user: USER,
    password: PASS,
    from: 'cairn@example.org',
    to: ['ops@example.org'],
    timeout_seconds: 5,
    ...over,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-smtp-'));
  // A self-signed certificate for 127.0.0.1; EC keys are generated in milliseconds.
  const args = '-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1';
  execFileSync(
    'openssl',
    [
      'req',
      ...args.split(' '),
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  plain = await SmtpReceiver.start({ auth: { user: USER, pass: PASS } });
  const pem = {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
  tls = await SmtpReceiver.start({ auth: { user: USER, pass: PASS }, tls: pem });
  smtps = await SmtpReceiver.start({ auth: { user: USER, pass: PASS }, tls: { ...pem, secure: true } });
  closedPort = await freePort();
});

afterAll(async () => {
  await plain.close();
  await tls.close();
  await smtps.close();
  rmSync(dir, { recursive: true, force: true });
});

runChannelConformance('smtp', () => ({
  channel: new SmtpChannel('ops-mail', config({ port: plain.port })),
  refusing: new SmtpChannel('bad-mail', config({ port: plain.port, to: ['refuse@example.org'] })),
  unreachable: new SmtpChannel('gone-mail', config({ port: closedPort })),
  secret: PASS,
  received: () => plain.mails.map((m) => `${m.subject}\n${m.text}`),
}));

describe('SmtpChannel', () => {
  it('sends from and to the configured addresses after logging in', async () => {
    const before = plain.mails.length;
    await new SmtpChannel(
      'ops-mail',
      config({ port: plain.port, to: ['a@example.org', 'b@example.org'] }),
    ).send(renderMessage(failedEvent()));
    const mail = plain.mails[before]!;
    expect(mail.from).toBe('cairn@example.org');
    expect(mail.to).toEqual(['a@example.org', 'b@example.org']);
    expect(mail.user).toBe(USER);
    expect(mail.subject).toBe(
      '[cairn] FAILED: job website-files on web-1: backup failed (repository offsite)',
    );
    expect(mail.headers.get('x-cairn-event')).toBe('run-failed');
  });

  it('upgrades with STARTTLS to a self-signed server whose CA is given', async () => {
    const before = tls.mails.length;
    const c = config({ port: tls.port, starttls: 'required', ca_file: join(dir, 'cert.pem') });
    await new SmtpChannel('tls-mail', c).send(renderMessage(failedEvent()));
    expect(tls.mails.length).toBe(before + 1);
    expect(tls.mails[before]!.secure).toBe(true);
  });

  it('speaks TLS from the first byte with secure', async () => {
    const before = smtps.mails.length;
    const c = config({ port: smtps.port, secure: true, ca_file: join(dir, 'cert.pem') });
    await new SmtpChannel('smtps-mail', c).send(renderMessage(failedEvent()));
    expect(smtps.mails.length).toBe(before + 1);
    expect(smtps.mails[before]!.secure).toBe(true);
  });

  it('refuses an untrusted certificate, not retryable', async () => {
    const err = await new SmtpChannel('tls-mail', config({ port: tls.port, starttls: 'required' }))
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect(isCairnError(err) && !err.retryable).toBe(true);
  });

  it('refuses to send in clear text when STARTTLS is required and the server has none', async () => {
    const err = await new SmtpChannel('tls-mail', config({ port: plain.port, starttls: 'required' }))
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect(isCairnError(err) && !err.retryable).toBe(true);
  });

  it('reads the password from password_file', async () => {
    writeFileSync(join(dir, 'pass'), `${PASS}\n`);
    const before = plain.mails.length;
    const c = config({ port: plain.port });
    delete c.password;
    await new SmtpChannel('ops-mail', { ...c, password_file: join(dir, 'pass') }).send(
      renderMessage(failedEvent()),
    );
    expect(plain.mails.length).toBe(before + 1);
  });

  it('says in one sentence that a password_file cannot be read', () => {
    const c = config({ port: plain.port });
    delete c.password;
    expect(() => new SmtpChannel('ops-mail', { ...c, password_file: join(dir, 'missing') })).toThrow(
      /^Channel ops-mail: cannot read password_file .*missing \(ENOENT\)\.$/,
    );
  });

  it('reports a wrong password as access denied, not retryable, without the password', async () => {
    const err = await new SmtpChannel('ops-mail', config({ port: plain.port, password: 'wrong-pass-9x' }))
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect(isCairnError(err, 'access-denied') && !err.retryable).toBe(true);
    expect((err as Error).message).not.toContain('wrong-pass-9x');
  });

  it('reports a temporary server failure (451) as retryable', async () => {
    plain.failNext(1);
    const err = await new SmtpChannel('ops-mail', config({ port: plain.port }))
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect(isCairnError(err) && err.retryable).toBe(true);
  });
});
