import { setTimeout as sleep } from 'node:timers/promises';
import { isCairnError } from '../core/index.js';
import type { Clock } from '../util/index.js';
import type { Channel } from './channel.js';
import type { RetryPolicy } from './config.js';
import type { Message } from './message.js';
import { maskSecrets } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type NotifyLogger = (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;

/** The outcome of one event on one channel. */
export interface DeliveryReport {
  channel: string;
  ok: boolean;
  /** Tries made, the first included (0 when the notifier was closed or the channel is unknown). */
  attempts: number;
  durationMs: number;
  /** Why the last try failed: one sentence, without secrets. */
  error?: string;
}

export interface DeliverContext {
  policy: RetryPolicy;
  signal: AbortSignal;
  log: NotifyLogger;
  clock: Clock;
  secrets: readonly string[];
}

function describe(err: unknown, secrets: readonly string[]): string {
  return maskSecrets(err instanceof Error ? err.message : String(err), secrets);
}

/** Errors a channel did not classify (a bug, a library surprise) get the benefit of the doubt: tried again. */
function retryable(err: unknown): boolean {
  return isCairnError(err) ? err.retryable : true;
}

/**
 * Sends one message through one channel, retrying retryable failures with exponential backoff (bounded by the
 * policy's attempts and maximum delay) until `signal` aborts. Never rejects: the outcome is the report, and every
 * failed try is logged.
 */
export async function deliver(
  channel: Channel,
  message: Message,
  ctx: DeliverContext,
): Promise<DeliveryReport> {
  const { policy, signal, log } = ctx;
  const started = ctx.clock.now();
  const fields = { channel: channel.name, job: message.event.job, kind: message.event.kind };
  let error = 'not tried';
  let attempt = 0;
  while (attempt < policy.attempts && !signal.aborted) {
    attempt++;
    try {
      await channel.send(message, signal);
      log('debug', `Notification sent through ${channel.name}.`, { ...fields, attempt });
      return { channel: channel.name, ok: true, attempts: attempt, durationMs: ctx.clock.now() - started };
    } catch (err) {
      error = describe(err, ctx.secrets);
      if (signal.aborted || !retryable(err) || attempt >= policy.attempts) break;
      const delayMs = Math.min(policy.max_delay_seconds, policy.delay_seconds * 2 ** (attempt - 1)) * 1000;
      log('warn', `Notification through ${channel.name} failed; trying again in ${delayMs / 1000} s.`, {
        ...fields,
        attempt,
        error,
      });
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        break; // aborted while waiting
      }
    }
  }
  if (signal.aborted && attempt < policy.attempts) error = `${error} (gave up: the notifier was closed)`;
  log('error', `Notification through ${channel.name} failed: ${error}`, { ...fields, attempts: attempt });
  return {
    channel: channel.name,
    ok: false,
    attempts: attempt,
    durationMs: ctx.clock.now() - started,
    error,
  };
}
