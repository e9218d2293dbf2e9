// `cairn serve` with notifications, against real receivers (an in-process SMTP server and an HTTP server): a job
// whose source is missing fails and mails (job, repository name, error, no password); a webhook route on
// [failure, recovery] hears the failure, then the recovery once the source is back; an SMTP server that cannot be
// reached is logged and the daemon keeps running. One daemon, a cron every two seconds.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver, SmtpReceiver } from '../../src/notify/testing/index.js';
import { Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon, until } from '../harness/daemon.js';
import { freePort } from '../harness/net.js';

const PASSWORD = 'Zq81-repo-secret';

describe('cairn serve notifications', () => {
  const sb = new Sandbox();
  // The missing source's name holds the repository password, so that the error quoting it must be masked.
  const missing = sb.path(`site-${PASSWORD}`);
  let smtp: SmtpReceiver;
  let hooks: HttpReceiver;
  let served: Served;

  beforeAll(async () => {
    [smtp, hooks] = await Promise.all([SmtpReceiver.start(), HttpReceiver.start()]);
    const closedPort = await freePort();
    sb.write('src/index.html', 'hello');
    const config = sb.write(
      'cairn.yaml',
      `data_dir: ./data
server: { listen: "127.0.0.1:0" }
repositories:
  local: { url: ${sb.path('repo')}, password: "\${CAIRN_TEST_PW}", create: true }
jobs:
  website:
    sources: [${sb.path('src')}, ${missing}]
    schedule: { cron: "*/2 * * * * *" }
    repositories: [local]
    expect_success_within: 1h   # no dead-man alert while the test runs
    notify:
      - { channels: [ops-mail], on: [failure] }
      - { channels: [chat], on: [failure, recovery] }
notifications:
  channels:
    ops-mail: { type: smtp, host: 127.0.0.1, port: ${smtp.port}, from: cairn@test.example, to: [ops@test.example] }
    dead-mail: { type: smtp, host: 127.0.0.1, port: ${closedPort}, from: cairn@test.example, to: [ops@test.example], timeout_seconds: 2 }
    chat: { type: webhook, url: "${hooks.url('/hooks/chat')}" }
  routes:
    - { channels: [dead-mail], on: [failure] }
  retry: { attempts: 2, delay_seconds: 0 }
`,
    );
    served = await serveDaemon(sb, config, { CAIRN_TEST_PW: PASSWORD });
  });

  afterAll(async () => {
    served?.child.kill('SIGKILL');
    await Promise.all([smtp?.close(), hooks?.close()]);
    sb.cleanup();
  });

  type Body = { kind: string; class: string; job: string; repository?: string };
  const bodies = (): Body[] => hooks.requests.map((r) => JSON.parse(r.body) as Body);

  it('mails a failure naming the job, the repository by name and the error, without the password', async () => {
    const mail = await until('a mail', async () =>
      smtp.mails.find((m) => m.subject.includes('backup failed')),
    );
    expect(mail.to).toEqual(['ops@test.example']);
    expect(mail.subject).toBe(
      `[cairn] FAILED: job website on ${mail.text.match(/^Host: (.*)$/m)![1]}: backup failed (repository local)`,
    );
    expect(mail.text).toContain('Job: website\nRepository: local\n');
    expect(mail.text).toMatch(/^Error: the source .*\/site-\*\*\* was not found$/m);
    expect(mail.raw).not.toContain(PASSWORD);
    expect(mail.raw).not.toContain(sb.path('repo'));
  });

  it('logs the unreachable SMTP server and keeps running', async () => {
    await until('the delivery error in the log', async () =>
      /Notification through dead-mail failed/.test(served.output()) ? true : undefined,
    );
    expect(served.child.exitCode).toBeNull();
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
  });

  it('sends failure, then recovery to the webhook once the source is back', async () => {
    await until('a failure at the webhook', async () =>
      bodies().some((b) => b.kind === 'run-failed') ? true : undefined,
    );
    fs.mkdirSync(missing);
    const recovered = await until('a recovery at the webhook', async () =>
      bodies().find((b) => b.kind === 'recovered'),
    );
    expect(recovered).toMatchObject({ class: 'recovery', job: 'website', repository: 'local' });
    // The route wants failures and recoveries only: no successes, no starts.
    expect(new Set(bodies().map((b) => b.class))).toEqual(new Set(['failure', 'recovery']));
    const failedFirst = bodies().findIndex((b) => b.kind === 'run-failed');
    expect(failedFirst).toBeLessThan(bodies().findIndex((b) => b.kind === 'recovered'));
    expect(hooks.requests.every((r) => !r.body.includes(PASSWORD))).toBe(true);
  });

  it('stops on SIGTERM with exit 0', async () => {
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });
});
