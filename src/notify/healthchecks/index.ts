/**
 * @module notify/healthchecks
 * Healthchecks-style pings (healthchecks.io and compatible servers): a run's start, success and failure become
 * requests to the check's ping URL with `/start`, nothing or `/fail` appended, carrying the short message as body
 * (the server keeps it as the ping's log); everything else goes to `/log`, which records without changing state.
 */
import type { Channel } from '../channel.js';
import type { HealthchecksChannelConfig } from '../config.js';
import type { NotifyEventKind } from '../event.js';
import type { FetchLike } from '../http.js';
import { httpCall } from '../http.js';
import type { Message } from '../message.js';

const SUFFIX: Record<NotifyEventKind, string> = {
  'run-started': '/start',
  'run-succeeded': '',
  // The run finished and the data is saved: for the check it is a success; the body says what to look at.
  'run-warning': '',
  'run-failed': '/fail',
  'job-overdue': '/fail',
  'drill-overdue': '/fail',
  'size-drop': '/log',
  // A recovery follows the success ping of the same run; a second success would only add noise.
  recovered: '/log',
};

/** Healthchecks.io keeps the first 100 kB of a ping body; ours is a few lines. */
const MAX_BODY = 10_000;

/** The ping URL for an event kind: the suffix goes before a query string, and a trailing slash is not doubled. */
export function pingUrl(base: string, kind: NotifyEventKind): string {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, '') + SUFFIX[kind];
  return u.toString();
}

export class HealthchecksChannel implements Channel {
  constructor(
    readonly name: string,
    private readonly config: HealthchecksChannelConfig,
    private readonly fetchFn: FetchLike,
  ) {}

  async send(message: Message, signal?: AbortSignal): Promise<void> {
    await httpCall(this.fetchFn, {
      channel: this.name,
      url: pingUrl(this.config.url, message.event.kind),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${message.subject}\n\n${message.text}`.slice(0, MAX_BODY),
      timeoutMs: this.config.timeout_seconds * 1000,
      signal,
    });
  }

  async close(): Promise<void> {}
}
