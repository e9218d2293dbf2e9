import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/harness/net.js';
import type { NotifyEventKind } from '../event.js';
import { healthchecksChannelSchema } from '../config.js';
import { renderMessage } from '../message.js';
import { failedEvent, HttpReceiver, runChannelConformance } from '../testing/index.js';
import { HealthchecksChannel, pingUrl } from './index.js';

let rx: HttpReceiver;
let closedPort: number;

beforeAll(async () => {
  rx = await HttpReceiver.start();
  closedPort = await freePort();
});
afterAll(() => rx.close());

const channel = (name: string, url: string) =>
  new HealthchecksChannel(
    name,
    healthchecksChannelSchema.parse({ type: 'healthchecks', url, timeout_seconds: 5 }),
    (u, i) => fetch(u, i),
  );

runChannelConformance('healthchecks', () => ({
  channel: channel('hc', rx.url('/ping/5f0c-uuid')),
  refusing: channel('bad-hc', rx.url('/refuse/uuid-s3cret-42')),
  unreachable: channel('gone-hc', `http://127.0.0.1:${closedPort}/ping/x`),
  secret: 'uuid-s3cret-42',
  received: () =>
    rx.requests.filter((r) => r.url.startsWith('/ping/5f0c-uuid')).map((r) => `${r.url}\n${r.body}`),
}));

describe('HealthchecksChannel', () => {
  const cases: [NotifyEventKind, string][] = [
    ['run-started', '/hc/abc/start'],
    ['run-succeeded', '/hc/abc'],
    ['run-warning', '/hc/abc'],
    ['run-failed', '/hc/abc/fail'],
    ['job-overdue', '/hc/abc/fail'],
    ['drill-overdue', '/hc/abc/fail'],
    ['size-drop', '/hc/abc/log'],
    ['recovered', '/hc/abc/log'],
  ];
  it.each(cases)('pings %s at %s with a short body', async (kind, path) => {
    const before = rx.requests.length;
    await channel('hc', rx.url('/hc/abc')).send(renderMessage(failedEvent({ kind })));
    const req = rx.requests[before]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(path);
    expect(req.body).toContain('website-files');
    expect(req.body.length).toBeLessThan(10_000);
  });

  it('puts the suffix before a query string and does not double a trailing slash', () => {
    expect(pingUrl('https://hc.example/ping/key/slug/?create=1', 'run-failed')).toBe(
      'https://hc.example/ping/key/slug/fail?create=1',
    );
  });
});
