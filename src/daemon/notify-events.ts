/**
 * The daemon's events as notifications: `toNotifyEvent` words a DaemonEvent as the notifier's NotifyEvent (with
 * repository names, never URLs), and `EventNotifier` delivers them along the job's routes with the notifier of the
 * current config, recreated after a reload and closed on shutdown. Delivery trouble is logged, never thrown.
 */
import os from 'node:os';
import type { DaemonEvent } from '../api/index.js';
import type { CairnConfig } from '../config/index.js';
import { repositoryPassword } from '../config/index.js';
import type { Notifier, NotifyEvent, NotifyLogger } from '../notify/index.js';
import { createNotifier } from '../notify/index.js';
import { errorMessageOf } from './errors.js';
import { jobRepositories } from './job-plan.js';
import type { Logger } from './run-log.js';

/** "26h", "90m", "45s": the period as a person would write it in the config. */
function period(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}

/**
 * The repository a run works on, by its name in the config: the one the event names (a run on one repository), else
 * the drill's, else the backup's (first).
 */
function repositoryOf(config: CairnConfig, event: DaemonEvent, kind: string): string | undefined {
  if (event.repository !== undefined) return event.repository;
  const job = event.job;
  const jc = config.jobs[job];
  if (jc === undefined) return undefined;
  if (kind === 'drill' && jc.drill?.repository !== undefined) return jc.drill.repository;
  return jobRepositories(jc)[0]?.name;
}

/** The one mapping from the daemon's events to the notifier's. */
export function toNotifyEvent(event: DaemonEvent, config: CairnConfig, host: string): NotifyEvent {
  const base = { job: event.job, host, time: new Date(event.at) };
  switch (event.type) {
    case 'run-started':
    case 'recovered': {
      const repository = repositoryOf(config, event, event.kind);
      return { ...base, kind: event.type, operation: event.kind, ...(repository ? { repository } : {}) };
    }
    case 'run-succeeded': {
      const repository = repositoryOf(config, event, event.kind);
      return {
        ...base,
        kind: 'run-succeeded',
        operation: event.kind,
        ...(repository ? { repository } : {}),
        durationMs: Math.round(event.durationSeconds * 1000),
        ...(event.snapshotIds[0] !== undefined ? { snapshotId: event.snapshotIds[0] } : {}),
        figures: {
          ...(event.files !== null ? { files: event.files } : {}),
          ...(event.bytesAdded !== null ? { bytesAdded: event.bytesAdded } : {}),
        },
      };
    }
    case 'run-failed': {
      const repository = repositoryOf(config, event, event.kind);
      return {
        ...base,
        kind: 'run-failed',
        operation: event.kind,
        ...(repository ? { repository } : {}),
        error: event.error,
        hint: event.hint,
      };
    }
    case 'job-overdue': {
      const within = config.jobs[event.job]?.expect_success_within;
      return {
        ...base,
        kind: event.kind === 'drill' ? 'drill-overdue' : 'job-overdue',
        operation: event.kind,
        expectedWithin:
          event.kind === 'backup' && within !== undefined ? within : period(event.expectedWithinSeconds),
      };
    }
    case 'size-drop': {
      const repository = repositoryOf(config, event, 'backup');
      return {
        ...base,
        kind: 'size-drop',
        operation: 'backup',
        ...(repository ? { repository } : {}),
        figures: { bytesTotal: event.bytes, previousBytesTotal: Math.round(event.previousAverage) },
      };
    }
  }
}

/** The passwords of the config's repositories (those that can be read now), to be masked in every message. */
async function repositoryPasswords(config: CairnConfig): Promise<string[]> {
  const read = await Promise.allSettled(
    Object.entries(config.repositories).map(([name, repo]) => repositoryPassword(name, repo)),
  );
  return read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

export interface EventNotifierOptions {
  /** The config in use; it changes when the daemon reloads. */
  config: () => CairnConfig;
  logger: Logger;
  host?: string;
}

/** Sends the daemon's events to the notification channels of the current config. */
export class EventNotifier {
  private notifier: Notifier | undefined;
  private configured: CairnConfig | undefined;
  /** Serializes (re)creating the notifier; deliveries run side by side. */
  private ready: Promise<void> = Promise.resolve();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly host: string;
  private readonly log: NotifyLogger;

  constructor(private readonly opts: EventNotifierOptions) {
    this.host = opts.host ?? os.hostname();
    this.log = (level, msg, fields) => opts.logger[level](fields, msg);
  }

  /** Creates the notifier of the current config. @throws CairnError when a channel's file cannot be read. */
  async open(): Promise<void> {
    const config = this.opts.config();
    this.notifier = await this.create(config);
    this.configured = config;
  }

  /**
   * After a reload: a notifier for the new config replaces the old one. One that cannot be created (an SMTP
   * password_file that cannot be read) is logged, and the previous channels stay in use.
   */
  sync(): Promise<void> {
    this.ready = this.ready.then(async () => {
      const config = this.opts.config();
      if (config === this.configured) return;
      this.configured = config;
      try {
        const next = await this.create(config);
        const old = this.notifier;
        this.notifier = next;
        void old?.close();
      } catch (err) {
        this.opts.logger.error(
          `the notification channels of the new config cannot be opened, the previous ones stay in use: ${errorMessageOf(err)}`,
        );
      }
    });
    return this.ready;
  }

  private async create(config: CairnConfig): Promise<Notifier | undefined> {
    if (config.notifications === undefined) return undefined;
    return createNotifier(config.notifications, {
      logger: this.log,
      secrets: await repositoryPasswords(config),
    });
  }

  /** The daemon's `onEvent`: returns at once; the delivery goes on in the background. */
  readonly handle = (event: DaemonEvent): void => {
    const config = this.opts.config();
    const work = this.sync()
      .then(async () => {
        await this.notifier?.notify(toNotifyEvent(event, config, this.host), event.routes);
      })
      .catch((err: unknown) =>
        this.opts.logger.error({ job: event.job }, `notification failed: ${errorMessageOf(err)}`),
      )
      .finally(() => this.deliveries.delete(work));
    this.deliveries.add(work);
  };

  /** Waits for the deliveries under way (with their retries), e.g. before `cairn run` exits. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  /** Stops retries and closes the channels; later events are dropped. */
  async close(): Promise<void> {
    await this.ready;
    const n = this.notifier;
    this.notifier = undefined;
    await n?.close();
  }
}
