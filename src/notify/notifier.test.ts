import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/harness/net.js';
import type { NotificationsInput } from './config.js';
import { notificationsSchema } from './config.js';
import type { LogLevel } from './deliver.js';
import type { NotifyEvent } from './event.js';
import { createNotifier } from './notifier.js';
import { failedEvent, HttpReceiver, SmtpReceiver } from './testing/index.js';

let rx: HttpReceiver;
let mail: SmtpReceiver;
let closedPort: number;

beforeAll(async () => {
  rx = await HttpReceiver.start();
  mail = await SmtpReceiver.start();
  closedPort = await freePort();
});
afterAll(async () => {
  await rx.close();
  await mail.close();
});

const FAST = { attempts: 3, delay_seconds: 0.01, max_delay_seconds: 0.05 };

function setup(input: NotificationsInput) {
  const logs: { level: LogLevel; msg: string }[] = [];
  const notifier = createNotifier(notificationsSchema.parse({ retry: FAST, ...input }), {
    logger: (level, msg) => logs.push({ level, msg }),
    secrets: ['RepoPass-991'],
  });
  return { notifier, logs };
}

const hook = (path: string) => ({ type: 'webhook' as const, url: rx.url(path), template: 'json' as const });
const bodiesAt = (prefix: string) => rx.requests.filter((r) => r.url.startsWith(prefix)).map((r) => r.body);
const ok: NotifyEvent = { kind: 'run-succeeded', job: 'website-files', host: 'web-1', time: new Date(0) };

describe('createNotifier', () => {
  it('sends a failure to the failure-only route and a success only to the route that wants successes', async () => {
    const { notifier } = setup({
      channels: { alarms: hook('/n1/alarms'), everything: hook('/n1/all') },
      routes: [
        { channels: ['alarms'], on: ['failure'] },
        { channels: ['everything'], on: ['failure', 'success'] },
      ],
    });
    const failed = await notifier.notify(failedEvent());
    expect(failed.map((r) => [r.channel, r.ok])).toEqual([
      ['alarms', true],
      ['everything', true],
    ]);
    const succeeded = await notifier.notify(ok);
    expect(succeeded.map((r) => r.channel)).toEqual(['everything']);
    expect(bodiesAt('/n1/alarms')).toHaveLength(1);
    expect(bodiesAt('/n1/all')).toHaveLength(2);
    await notifier.close();
  });

  it("adds a job's own routes to the configured ones and sends to a channel once", async () => {
    const { notifier } = setup({
      channels: { a: hook('/n2/a') },
      routes: [{ channels: ['a'], on: ['failure'] }],
    });
    const reports = await notifier.notify(failedEvent(), [{ channels: ['a'], on: ['failure'] }]);
    expect(reports).toHaveLength(1);
    expect(bodiesAt('/n2/a')).toHaveLength(1);
    await notifier.close();
  });

  it('retries a receiver that fails twice, then delivers (three attempts, two warnings)', async () => {
    const { notifier, logs } = setup({
      channels: { flaky: hook('/flaky/2/n3') },
      routes: [{ channels: ['flaky'] }],
    });
    const [report] = await notifier.notify(failedEvent());
    expect(report).toMatchObject({ channel: 'flaky', ok: true, attempts: 3 });
    expect(rx.refused.filter((r) => r.url === '/flaky/2/n3')).toHaveLength(2);
    expect(bodiesAt('/flaky/2/n3')).toHaveLength(1);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(2);
    await notifier.close();
  });

  it('does not retry a permanent refusal', async () => {
    const { notifier } = setup({ channels: { bad: hook('/refuse/n4') }, routes: [{ channels: ['bad'] }] });
    const [report] = await notifier.notify(failedEvent());
    expect(report).toMatchObject({ ok: false, attempts: 1 });
    expect(report?.error).toMatch(/^bad: http:\/\/127\.0\.0\.1:\d+ answered 400 Bad Request/);
    await notifier.close();
  });

  it('reports an unreachable SMTP server as a failed delivery after its retries, logged, never thrown', async () => {
    const { notifier, logs } = setup({
      channels: {
        mail: {
          type: 'smtp',
          host: '127.0.0.1',
          port: closedPort,
          starttls: 'off',
          from: 'c@example.org',
          to: ['o@example.org'],
        },
      },
      routes: [{ channels: ['mail'] }],
    });
    const [report] = await notifier.notify(failedEvent());
    expect(report).toMatchObject({ channel: 'mail', ok: false, attempts: 3 });
    expect(report?.error).toContain(`mail: the mail server 127.0.0.1:${closedPort} did not take the message`);
    expect(logs.map((l) => l.level)).toEqual(['warn', 'warn', 'error']);
    await notifier.close();
  });

  it('mails a failure through a real SMTP server', async () => {
    const { notifier } = setup({
      channels: {
        mail: {
          type: 'smtp',
          host: '127.0.0.1',
          port: mail.port,
          starttls: 'off',
          from: 'c@example.org',
          to: ['o@example.org'],
        },
      },
      routes: [{ channels: ['mail'], on: ['failure'] }],
    });
    const before = mail.mails.length;
    expect(await notifier.notify(failedEvent())).toMatchObject([{ ok: true, attempts: 1 }]);
    expect(mail.mails[before]?.subject).toContain('FAILED: job website-files on web-1');
    await notifier.close();
  });

  it('retries a mail server that answers 451 twice, then delivers', async () => {
    const { notifier } = setup({
      channels: {
        mail: {
          type: 'smtp',
          host: '127.0.0.1',
          port: mail.port,
          starttls: 'off',
          from: 'c@example.org',
          to: ['o@example.org'],
        },
      },
      routes: [{ channels: ['mail'] }],
    });
    const before = mail.mails.length;
    mail.failNext(2);
    expect(await notifier.notify(failedEvent())).toMatchObject([{ ok: true, attempts: 3 }]);
    expect(mail.mails.length).toBe(before + 1);
    await notifier.close();
  });

  it('masks a repository password and URL credentials given in an error before anything leaves', async () => {
    const { notifier } = setup({ channels: { a: hook('/n5/a') }, routes: [{ channels: ['a'] }] });
    const error = 'Cannot open rest:https://backup:Hunter2-pw@nas.local:8000/repo with password RepoPass-991';
    await notifier.notify(failedEvent({ error }));
    const [body] = bodiesAt('/n5/a');
    expect(body).not.toContain('Hunter2-pw');
    expect(body).not.toContain('RepoPass-991');
    expect(body).toContain('rest:https://backup:***@nas.local:8000/repo');
    await notifier.close();
  });

  it('stops waiting between retries when closed, and refuses later events', async () => {
    const { notifier } = setup({
      channels: { slow: hook('/flaky/9/n6') },
      routes: [{ channels: ['slow'] }],
      retry: { attempts: 5, delay_seconds: 60 },
    });
    const pending = notifier.notify(failedEvent());
    while (rx.refused.filter((r) => r.url === '/flaky/9/n6').length === 0)
      await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await notifier.close();
    const [report] = await pending;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(report).toMatchObject({ ok: false, attempts: 1 });
    expect(report?.error).toContain('the notifier was closed');
    expect(await notifier.notify(failedEvent())).toMatchObject([
      { ok: false, attempts: 0, error: 'The notifier is closed.' },
    ]);
  });

  it('refuses at creation, in one sentence, a password_file that cannot be read', () => {
    const config = notificationsSchema.parse({
      channels: {
        mail: {
          type: 'smtp',
          host: 'h',
          user: 'u',
          password_file: '/nonexistent/pw',
          from: 'c@e.org',
          to: ['o@e.org'],
        },
      },
    });
    expect(() => createNotifier(config)).toThrow(
      'Channel mail: cannot read password_file /nonexistent/pw (ENOENT).',
    );
  });

  it('reports a job route that names a channel the section does not have', async () => {
    const { notifier } = setup({ channels: { a: hook('/n8/a') } });
    expect(
      await notifier.notify(failedEvent(), [{ channels: ['a', 'typo'], on: ['failure'] }]),
    ).toMatchObject([
      { channel: 'a', ok: true },
      { channel: 'typo', ok: false, attempts: 0, error: 'There is no notification channel named typo.' },
    ]);
    await notifier.close();
  });

  it('sends nothing when no route wants the event', async () => {
    const { notifier } = setup({
      channels: { a: hook('/n7/a') },
      routes: [{ channels: ['a'], on: ['failure'], jobs: ['db'] }],
    });
    expect(await notifier.notify(failedEvent())).toEqual([]);
    expect(bodiesAt('/n7/a')).toHaveLength(0);
    await notifier.close();
  });
});
