import { systemClock } from '../util/index.js';
import type { Clock } from '../util/index.js';
import type { Channel } from './channel.js';
import type { JobRoute, NotificationsConfig } from './config.js';
import type { DeliveryReport, NotifyLogger } from './deliver.js';
import { deliver } from './deliver.js';
import type { NotifyEvent } from './event.js';
import { openChannel, secretsOf } from './factory.js';
import type { FetchLike } from './http.js';
import { renderMessage } from './message.js';
import { maskSecrets } from './redact.js';
import { expandJobRoutes, pickChannels } from './routing.js';

export interface NotifierDeps {
  /** Where delivery trouble is reported (a pino logger adapts in one line); default: silent. */
  logger?: NotifyLogger;
  fetch?: FetchLike;
  clock?: Clock;
  /** Literal secrets to mask in every message, such as the repositories' passwords. */
  secrets?: readonly string[];
}

export interface Notifier {
  /**
   * Sends the event to every channel its routes pick: the configured routes plus `jobRoutes` (a job's own routes
   * from the config file, each a route or a bare channel name; see `jobRouteSchema`). Resolves once every channel
   * has succeeded or given up, with one report per channel, and never rejects: an unreachable server is retried,
   * logged and reported.
   */
  notify(event: NotifyEvent, jobRoutes?: readonly JobRoute[]): Promise<DeliveryReport[]>;
  /** Stops retries and waits for deliveries in flight to end; later `notify` calls report failure. Idempotent. */
  close(): Promise<void>;
}

/**
 * The notifier for the `notifications:` section of the config. Opens every channel at once, so that a
 * `password_file` or `ca_file` that cannot be read fails here, at start or reload, with a CairnError
 * ('invalid-argument'), instead of at the first failure hours later.
 */
export function createNotifier(config: NotificationsConfig, deps: NotifierDeps = {}): Notifier {
  const clock = deps.clock ?? systemClock;
  const log: NotifyLogger = deps.logger ?? (() => {});
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const channels = new Map<string, Channel>();
  for (const [name, c] of Object.entries(config.channels))
    channels.set(name, openChannel(name, c, { fetch: fetchFn, clock }));
  const secrets = [...(deps.secrets ?? []), ...Object.values(config.channels).flatMap(secretsOf)];
  const stop = new AbortController();
  const inFlight = new Set<Promise<unknown>>();

  const refused = (channel: string, error: string): DeliveryReport => ({
    channel,
    ok: false,
    attempts: 0,
    durationMs: 0,
    error,
  });

  async function notify(event: NotifyEvent, jobRoutes: readonly JobRoute[] = []): Promise<DeliveryReport[]> {
    try {
      const names = pickChannels([...config.routes, ...expandJobRoutes(jobRoutes)], event);
      if (names.length === 0) return [];
      const message = renderMessage(event, secrets);
      const work = Promise.all(
        names.map(async (name) => {
          const channel = channels.get(name);
          if (channel === undefined) return refused(name, `There is no notification channel named ${name}.`);
          if (stop.signal.aborted) return refused(name, 'The notifier is closed.');
          return deliver(channel, message, {
            policy: config.retry,
            signal: stop.signal,
            log,
            clock,
            secrets,
          });
        }),
      );
      inFlight.add(work);
      try {
        return await work;
      } finally {
        inFlight.delete(work);
      }
    } catch (err) {
      // Only a bug gets here; the caller's run must not fail because its notification did.
      log(
        'error',
        maskSecrets(`Notification of ${event.kind} for job ${event.job} failed: ${String(err)}`, secrets),
        {
          job: event.job,
        },
      );
      return [];
    }
  }

  async function close(): Promise<void> {
    stop.abort();
    await Promise.allSettled([...inFlight]);
    await Promise.allSettled([...channels.values()].map((c) => c.close()));
  }

  return { notify, close };
}
