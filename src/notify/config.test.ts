import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobRouteSchema, notificationsSchema } from './index.js';

const messages = (input: unknown): string[] => {
  const r = notificationsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('notificationsSchema', () => {
  it('fills in the defaults of a minimal section', () => {
    const c = notificationsSchema.parse({
      channels: {
        hook: { type: 'webhook', url: 'https://hooks.slack.com/services/T/B/X', template: 'slack' },
      },
      routes: [{ channels: ['hook'] }],
    });
    expect(c.retry).toEqual({ attempts: 4, delay_seconds: 2, max_delay_seconds: 60 });
    expect(c.routes[0]?.on).toEqual(['failure', 'warning', 'recovery']);
    expect(c.channels.hook).toMatchObject({ headers: {}, timeout_seconds: 10 });
    expect(notificationsSchema.parse({})).toMatchObject({ channels: {}, routes: [] });
  });

  it('lists every problem at once: unknown keys, unknown channels, a telegram hook without chat_id', () => {
    const problems = messages({
      channels: {
        tg: { type: 'webhook', url: 'https://api.telegram.org/botX/sendMessage', template: 'telegram' },
        mail: { type: 'smtp', host: 'h', from: 'a@b.c', to: ['d@e.f'], pasword: 'typo' },
      },
      routes: [{ channels: ['tg', 'nope'], on: ['failure'] }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'channels.tg.chat_id: the telegram template needs chat_id',
        expect.stringMatching(/^channels\.mail: Unrecognized key: "pasword"/) as string,
        'routes.0.channels.1: unknown channel "nope"; the channels are: tg, mail',
      ]),
    );
  });

  it('refuses an unknown event class, a non-HTTP URL and a password without a user', () => {
    expect(messages({ routes: [{ channels: ['x'], on: ['failures'] }] }).join('\n')).toMatch(
      /routes\.0\.on\.0/,
    );
    expect(messages({ channels: { h: { type: 'healthchecks', url: 'ftp://x' } } })).toEqual([
      'channels.h.url: must be an http:// or https:// URL',
    ]);
    expect(
      messages({ channels: { m: { type: 'smtp', host: 'h', password: 'p', from: 'a@b.c', to: ['d@e.f'] } } }),
    ).toEqual(['channels.m.user: a password needs a user']);
    expect(
      messages({ channels: { w: { type: 'webhook', url: 'https://x', headers: { 'X-A': 'line\nbreak' } } } }),
    ).toEqual(['channels.w.headers.X-A: a header value must be Latin-1 text without line breaks']);
  });
});

describe('JSON Schema for editors', () => {
  it('converts the section and a job route, keeping names, enums and defaults', () => {
    const section = JSON.stringify(z.toJSONSchema(notificationsSchema, { io: 'input' }));
    expect(section).toContain(
      '"enum":["json","slack","discord","feishu","dingtalk","wecom","telegram","ntfy","gotify"]',
    );
    expect(section).toContain('"additionalProperties":false');
    const route = z.toJSONSchema(jobRouteSchema, { io: 'input' });
    expect(JSON.stringify(route)).toContain('"anyOf":[{"type":"string","minLength":1}');
  });
});
