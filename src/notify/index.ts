/**
 * @module notify
 * Notifications: the daemon reports facts (`NotifyEvent`: a run started, failed, succeeded; a job or drill is
 * overdue; a backup shrank; a job recovered), the routes of the `notifications:` config section pick channels by
 * the event's class (failure, warning, success, recovery, start) and job, and the notifier words the event once
 * (`renderMessage`: what failed, where, what to do; secrets masked) and delivers it to each channel with bounded,
 * abortable retries, reporting per channel instead of throwing. A channel (`Channel`) is one small interface with
 * three kinds today: `smtp` (nodemailer), `webhook` (JSON, with templates for Slack, Discord, Feishu/Lark,
 * DingTalk, WeCom, Telegram, ntfy, Gotify) and `healthchecks` (start / success / fail pings); every kind passes
 * the conformance suite in `notify/testing`.
 */
export type { NotifyEvent, NotifyEventKind, NotifyOperation, NotifyFigures, EventClass } from './event.js';
export { EVENT_CLASSES, classOf } from './event.js';
export {
  notificationsSchema,
  channelSchema,
  routeSchema,
  jobRouteSchema,
  retrySchema,
  WEBHOOK_TEMPLATES,
} from './config.js';
export type {
  NotificationsConfig,
  NotificationsInput,
  ChannelConfig,
  SmtpChannelConfig,
  WebhookChannelConfig,
  HealthchecksChannelConfig,
  WebhookTemplate,
  Route,
  JobRoute,
  RetryPolicy,
} from './config.js';
export type { Channel } from './channel.js';
export type { Message } from './message.js';
export { renderMessage } from './message.js';
export { pickChannels, expandJobRoutes } from './routing.js';
export { maskSecrets, MASK } from './redact.js';
export type { DeliveryReport, LogLevel, NotifyLogger } from './deliver.js';
export type { FetchLike } from './http.js';
export { createNotifier } from './notifier.js';
export type { Notifier, NotifierDeps } from './notifier.js';
export { openChannel } from './factory.js';
