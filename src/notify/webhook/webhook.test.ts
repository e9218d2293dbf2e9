import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/harness/net.js';
import { isCairnError } from '../../core/index.js';
import { fixedClock, systemClock } from '../../util/index.js';
import type { WebhookTemplate } from '../config.js';
import { WEBHOOK_TEMPLATES, webhookChannelSchema } from '../config.js';
import { renderMessage } from '../message.js';
import { failedEvent, HttpReceiver, runChannelConformance } from '../testing/index.js';
import { WebhookChannel } from './index.js';

let rx: HttpReceiver;
let closedPort: number;
const NOW = 1_765_000_000_123;

beforeAll(async () => {
  rx = await HttpReceiver.start();
  closedPort = await freePort();
});
afterAll(() => rx.close());

function channel(name: string, url: string, template: WebhookTemplate, over: Record<string, unknown> = {}) {
  const config = webhookChannelSchema.parse({
    type: 'webhook',
    url,
    template,
    timeout_seconds: 5,
    ...(template === 'telegram' ? { chat_id: -100123 } : {}),
    ...over,
  });
  return new WebhookChannel(
    name,
    config,
    (u, init) => fetch(u, init),
    over.secret === undefined ? systemClock : fixedClock(NOW),
  );
}

for (const template of WEBHOOK_TEMPLATES) {
  runChannelConformance(`webhook (${template})`, () => ({
    channel: channel('team-hook', rx.url(`/hook/${template}/alerts`), template),
    refusing: channel('bad-hook', rx.url(`/refuse/${template}/T0KEN-s3cr3t-77`), template),
    unreachable: channel('gone-hook', `http://127.0.0.1:${closedPort}/hook`, template),
    secret: 'T0KEN-s3cr3t-77',
    received: () => rx.requests.filter((r) => r.url.startsWith(`/hook/${template}`)).map((r) => r.body),
  }));
}

/** Sends one failure through a template and returns the request as received. */
async function sendOne(template: WebhookTemplate, path: string, over: Record<string, unknown> = {}) {
  const before = rx.requests.length;
  await channel('team-hook', rx.url(path), template, over).send(renderMessage(failedEvent()));
  expect(rx.requests.length).toBe(before + 1);
  const req = rx.requests[before]!;
  return { req, body: JSON.parse(req.body) as Record<string, unknown> };
}

describe('webhook templates produce the bodies the services document', () => {
  it('slack: {text} with the subject in bold', async () => {
    const { body, req } = await sendOne('slack', '/shape/slack');
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^\*\[cairn\] FAILED: job website-files on web-1: backup failed/);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
  });

  it('slack: escapes &, < and > as its mrkdwn requires', async () => {
    const before = rx.requests.length;
    await channel('h', rx.url('/shape/slack-esc'), 'slack').send(
      renderMessage(failedEvent({ error: 'a <b> & c' })),
    );
    expect((JSON.parse(rx.requests[before]!.body) as { text: string }).text).toContain('a &lt;b&gt; &amp; c');
  });

  it('discord: {content} within 2000 characters and no mentions', async () => {
    const before = rx.requests.length;
    await channel('h', rx.url('/shape/discord'), 'discord').send(
      renderMessage(failedEvent({ error: 'x'.repeat(5000) })),
    );
    const body = JSON.parse(rx.requests[before]!.body) as { content: string; allowed_mentions: unknown };
    expect([...body.content].length).toBeLessThanOrEqual(2000);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('feishu: {msg_type: text, content: {text}}, signed with timestamp and sign when a secret is set', async () => {
    const { body } = await sendOne('feishu', '/shape/feishu', { secret: 'feishu-secret' });
    expect(body.msg_type).toBe('text');
    expect((body.content as { text: string }).text).toContain('website-files');
    const ts = String(Math.floor(NOW / 1000));
    expect(body.timestamp).toBe(ts);
    expect(body.sign).toBe(createHmac('sha256', `${ts}\nfeishu-secret`).update('').digest('base64'));
  });

  it('dingtalk: {msgtype: text, text: {content}}, signed in the query when a secret is set', async () => {
    const { body, req } = await sendOne('dingtalk', '/shape/dingtalk?access_token=abc', {
      secret: 'SECding',
    });
    expect(body).toEqual({
      msgtype: 'text',
      text: { content: expect.stringContaining('website-files') as unknown },
    });
    const q = new URL(req.url, 'http://x').searchParams;
    expect(q.get('access_token')).toBe('abc');
    expect(q.get('timestamp')).toBe(String(NOW));
    expect(q.get('sign')).toBe(createHmac('sha256', 'SECding').update(`${NOW}\nSECding`).digest('base64'));
  });

  it('wecom: {msgtype: text, text: {content}} within 2048 bytes', async () => {
    const before = rx.requests.length;
    await channel('h', rx.url('/shape/wecom?key=k'), 'wecom').send(
      renderMessage(failedEvent({ error: 'ü'.repeat(3000) })),
    );
    const body = JSON.parse(rx.requests[before]!.body) as { msgtype: string; text: { content: string } };
    expect(body.msgtype).toBe('text');
    expect(Buffer.byteLength(body.text.content)).toBeLessThanOrEqual(2048);
  });

  it('telegram: {chat_id, text} for sendMessage', async () => {
    const { body } = await sendOne('telegram', '/shape/bot123:abc/sendMessage');
    expect(body.chat_id).toBe(-100123);
    expect(body.text).toContain('website-files');
  });

  it('ntfy: JSON at the server root with the topic of the URL, a title, priority and tags', async () => {
    const { body, req } = await sendOne('ntfy', '/shape/ntfy/backups-7f3');
    expect(req.url).toBe('/shape/ntfy');
    expect(body).toMatchObject({ topic: 'backups-7f3', priority: 5, tags: ['rotating_light'] });
    expect(body.title).toContain('FAILED');
    expect(body.message).toContain('What to do: Restore the folder');
  });

  it('gotify: {title, message, priority}', async () => {
    const { body } = await sendOne('gotify', '/shape/message?token=AbC');
    expect(body).toMatchObject({ priority: 8 });
    expect(body.title).toContain('FAILED');
    expect(body.message).toContain('website-files');
  });

  it('json: the masked event with the worded message', async () => {
    const { body } = await sendOne('json', '/shape/json');
    expect(body).toMatchObject({
      kind: 'run-failed',
      class: 'failure',
      job: 'website-files',
      host: 'web-1',
      repository: 'offsite',
      time: '2026-12-06T02:00:00.000Z',
    });
  });
});

describe('WebhookChannel', () => {
  it('sends the configured headers and keeps their values out of errors', async () => {
    const { req } = await sendOne('json', '/shape/headers', {
      headers: { authorization: 'Bearer hdr-secret-1' },
    });
    expect(req.headers.authorization).toBe('Bearer hdr-secret-1');
    const err = await channel('h', rx.url('/refuse/x'), 'json', {
      headers: { authorization: 'Bearer hdr-secret-1' },
    })
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect((err as Error).message).not.toContain('hdr-secret-1');
  });

  it('treats an error code in a 200 answer (Feishu, DingTalk, WeCom) as a refusal', async () => {
    for (const t of ['feishu', 'dingtalk', 'wecom'] as const) {
      const err = await channel('cn-hook', rx.url(`/body-refuse/${t}`), t)
        .send(renderMessage(failedEvent()))
        .catch((e: unknown) => e);
      expect(isCairnError(err) && !err.retryable).toBe(true);
      expect((err as Error).message).toMatch(
        /^cn-hook: http:\/\/127\.0\.0\.1:\d+ refused the message: error \d+/,
      );
    }
  });

  it('reports a 503 as retryable', async () => {
    const err = await channel('h', rx.url('/flaky/1/shape'), 'json')
      .send(renderMessage(failedEvent()))
      .catch((e: unknown) => e);
    expect(isCairnError(err, 'unavailable') && err.retryable).toBe(true);
  });
});
