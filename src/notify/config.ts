import { z } from 'zod';
import { EVENT_CLASSES } from './event.js';

/** The webhook body shapes: each is the body that service's incoming-webhook API documents (see docs/notifications.md). */
export const WEBHOOK_TEMPLATES = [
  'json',
  'slack',
  'discord',
  'feishu',
  'dingtalk',
  'wecom',
  'telegram',
  'ntfy',
  'gotify',
] as const;
export type WebhookTemplate = (typeof WEBHOOK_TEMPLATES)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const timeout = (seconds: number) => z.number().positive().max(600).default(seconds);

export const smtpChannelSchema = z
  .strictObject({
    type: z.literal('smtp'),
    host: z.string().min(1),
    /** Default 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte (SMTPS, usually port 465). */
    secure: z.boolean().default(false),
    /** For a plain connection: `required` refuses a server without STARTTLS, `off` never upgrades. */
    starttls: z.enum(['auto', 'required', 'off']).default('auto'),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    password_file: z.string().min(1).optional(),
    /** A PEM file with the certificate authority to trust (a self-signed server certificate). */
    ca_file: z.string().min(1).optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    timeout_seconds: timeout(30),
  })
  .refine((c) => c.password === undefined || c.password_file === undefined, {
    error: 'give password or password_file, not both',
    path: ['password_file'],
  })
  .refine((c) => c.user !== undefined || (c.password === undefined && c.password_file === undefined), {
    error: 'a password needs a user',
    path: ['user'],
  });

export const webhookChannelSchema = z
  .strictObject({
    type: z.literal('webhook'),
    url: httpUrl,
    template: z.enum(WEBHOOK_TEMPLATES).default('json'),
    // fetch refuses header values outside Latin-1; say so here instead of at the first failure.
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name'),
        z
          .string()
          .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'a header value must be Latin-1 text without line breaks'),
      )
      .default({}),
    /** telegram: the chat to post to. */
    chat_id: z.union([z.string().min(1), z.number().int()]).optional(),
    /** dingtalk, feishu: the signing secret of the bot ("SEC…" for DingTalk). */
    secret: z.string().min(1).optional(),
    timeout_seconds: timeout(10),
  })
  .refine((c) => c.template !== 'telegram' || c.chat_id !== undefined, {
    error: 'the telegram template needs chat_id',
    path: ['chat_id'],
  })
  .refine((c) => c.secret === undefined || c.template === 'dingtalk' || c.template === 'feishu', {
    error: 'secret is used only by the dingtalk and feishu templates',
    path: ['secret'],
  });

export const healthchecksChannelSchema = z.strictObject({
  type: z.literal('healthchecks'),
  /** The check's ping URL; `/start`, `/fail` and `/log` are appended to it. */
  url: httpUrl,
  timeout_seconds: timeout(10),
});

export const channelSchema = z.discriminatedUnion('type', [
  smtpChannelSchema,
  webhookChannelSchema,
  healthchecksChannelSchema,
]);

export const routeSchema = z.strictObject({
  channels: z.array(z.string().min(1)).min(1),
  /** Which events: `[failure]` is "only on failure". Default: failure, warning and recovery. */
  on: z.array(z.enum(EVENT_CLASSES)).min(1).default(['failure', 'warning', 'recovery']),
  /** Only these jobs (default: every job). */
  jobs: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * A route in a job's own config: a full route, or just a channel name, short for that channel on the default
 * classes (failure, warning, recovery).
 */
export const jobRouteSchema = z.union([z.string().min(1), routeSchema]);

export const retrySchema = z.strictObject({
  /** Tries per delivery, the first included. */
  attempts: z.number().int().min(1).max(10).default(4),
  /** Wait before the second try; doubles per try up to `max_delay_seconds`. */
  delay_seconds: z.number().min(0).max(3600).default(2),
  max_delay_seconds: z.number().min(0).max(3600).default(60),
});

const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The `notifications:` section of cairn.yaml: named channels, the routes that pick them, and the retry policy. */
export const notificationsSchema = z
  .strictObject({
    channels: z
      .record(z.string().regex(CHANNEL_NAME, 'a channel name is letters, digits, . _ -'), channelSchema)
      .default({}),
    routes: z.array(routeSchema).default([]),
    retry: retrySchema.default({ attempts: 4, delay_seconds: 2, max_delay_seconds: 60 }),
  })
  .superRefine((c, ctx) => {
    const names = Object.keys(c.channels);
    c.routes.forEach((r, i) =>
      r.channels.forEach((name, j) => {
        if (!(name in c.channels)) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'channels', j],
            message: `unknown channel "${name}"; the channels are: ${names.length > 0 ? names.join(', ') : 'none'}`,
          });
        }
      }),
    );
  });

export type SmtpChannelConfig = z.output<typeof smtpChannelSchema>;
export type WebhookChannelConfig = z.output<typeof webhookChannelSchema>;
export type HealthchecksChannelConfig = z.output<typeof healthchecksChannelSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type Route = z.output<typeof routeSchema>;
export type JobRoute = z.output<typeof jobRouteSchema>;
export type RetryPolicy = z.output<typeof retrySchema>;
export type NotificationsConfig = z.output<typeof notificationsSchema>;
/** What a config file may hold before defaults are applied. */
export type NotificationsInput = z.input<typeof notificationsSchema>;
