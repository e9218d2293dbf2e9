import { createHmac } from 'node:crypto';
import type { WebhookChannelConfig, WebhookTemplate } from '../config.js';
import type { EventClass } from '../event.js';
import type { Message } from '../message.js';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** Subject and text as one chat message. */
const plain = (m: Message): string => `${m.subject}\n\n${m.text}`;

function truncateChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** Cuts at a character boundary so that the UTF-8 encoding fits `max` bytes (WeCom counts bytes). */
function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > max - 3) break;
    out += ch;
    used += n;
  }
  return out + '…';
}

/** Slack's mrkdwn: these three are control characters and must be escaped as entities. */
const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The JSON of the `json` template: the masked event plus the worded message; stable field names for scripts. */
function jsonBody(m: Message): unknown {
  const e = m.event;
  return {
    title: m.subject,
    text: m.text,
    class: m.eventClass,
    kind: e.kind,
    job: e.job,
    host: e.host,
    time: e.time.toISOString(),
    operation: e.operation,
    repository: e.repository,
    snapshotId: e.snapshotId,
    durationMs: e.durationMs,
    figures: e.figures,
    error: e.error,
    hint: e.hint,
    expectedWithin: e.expectedWithin,
  };
}

const NTFY_PRIORITY: Record<EventClass, number> = {
  failure: 5,
  warning: 4,
  recovery: 3,
  success: 2,
  start: 2,
};
const NTFY_TAGS: Record<EventClass, string> = {
  failure: 'rotating_light',
  warning: 'warning',
  recovery: 'white_check_mark',
  success: 'white_check_mark',
  start: 'arrow_forward',
};
const GOTIFY_PRIORITY: Record<EventClass, number> = {
  failure: 8,
  warning: 5,
  recovery: 5,
  success: 2,
  start: 1,
};

/** ntfy takes JSON at the server's root with the topic inside; the config names the topic URL people know. */
function ntfySplit(url: string): { root: string; topic: string } {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter((p) => p !== '');
  const topic = decodeURIComponent(parts.pop() ?? '');
  u.pathname = '/' + parts.join('/');
  u.search = '';
  return { root: u.toString(), topic };
}

/** DingTalk: HMAC-SHA256 keyed with the secret over "timestamp\nsecret", base64, as query parameters. */
function dingtalkUrl(url: string, secret: string | undefined, nowMs: number): string {
  if (secret === undefined) return url;
  const sign = createHmac('sha256', secret).update(`${nowMs}\n${secret}`).digest('base64');
  return `${url}${url.includes('?') ? '&' : '?'}timestamp=${nowMs}&sign=${encodeURIComponent(sign)}`;
}

/** Feishu/Lark: HMAC-SHA256 keyed with "timestamp\nsecret" over nothing, base64; timestamp in seconds, in the body. */
function feishuSign(secret: string | undefined, nowMs: number): Record<string, string> {
  if (secret === undefined) return {};
  const timestamp = String(Math.floor(nowMs / 1000));
  return { timestamp, sign: createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64') };
}

type Builder = (c: WebhookChannelConfig, m: Message, nowMs: number) => { url?: string; body: unknown };

const BUILDERS: Record<WebhookTemplate, Builder> = {
  json: (_c, m) => ({ body: jsonBody(m) }),
  slack: (_c, m) => ({ body: { text: `*${slackEscape(m.subject)}*\n${slackEscape(m.text)}` } }),
  // allowed_mentions: a job named "@everyone" must not ping a whole server.
  discord: (_c, m) => ({
    body: { content: truncateChars(`**${m.subject}**\n${m.text}`, 2000), allowed_mentions: { parse: [] } },
  }),
  feishu: (c, m, now) => ({
    body: { ...feishuSign(c.secret, now), msg_type: 'text', content: { text: plain(m) } },
  }),
  dingtalk: (c, m, now) => ({
    url: dingtalkUrl(c.url, c.secret, now),
    body: { msgtype: 'text', text: { content: plain(m) } },
  }),
  wecom: (_c, m) => ({ body: { msgtype: 'text', text: { content: truncateBytes(plain(m), 2048) } } }),
  telegram: (c, m) => ({
    body: { chat_id: c.chat_id, text: truncateChars(plain(m), 4096), disable_web_page_preview: true },
  }),
  ntfy: (c, m) => {
    const { root, topic } = ntfySplit(c.url);
    return {
      url: root,
      body: {
        topic,
        title: m.subject,
        message: m.text,
        priority: NTFY_PRIORITY[m.eventClass],
        tags: [NTFY_TAGS[m.eventClass]],
      },
    };
  },
  gotify: (_c, m) => ({
    body: { title: m.subject, message: m.text, priority: GOTIFY_PRIORITY[m.eventClass] },
  }),
};

/** The request a template makes of a message: the URL (some templates sign or reroute it), headers and JSON body. */
export function buildWebhookRequest(c: WebhookChannelConfig, m: Message, nowMs: number): WebhookRequest {
  const { url, body } = BUILDERS[c.template](c, m, nowMs);
  return { url: url ?? c.url, headers: { ...JSON_TYPE, ...c.headers }, body: JSON.stringify(body) };
}

/**
 * Feishu, DingTalk and WeCom answer 200 also when they refused the message, with an error code in the JSON body.
 * Returns the refusal as text, or undefined when the body says success (or is not theirs to judge).
 */
export function refusalInBody(template: WebhookTemplate, text: string): string | undefined {
  if (template !== 'feishu' && template !== 'dingtalk' && template !== 'wecom') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  const code = template === 'feishu' ? (d.code ?? d.StatusCode) : d.errcode;
  if (code === undefined || code === 0) return undefined;
  const msg = template === 'feishu' ? (d.msg ?? d.StatusMessage) : d.errmsg;
  return `error ${JSON.stringify(code)}${typeof msg === 'string' ? ` (${msg})` : ''}`;
}
