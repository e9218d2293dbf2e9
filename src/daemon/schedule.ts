/** When a job runs: a cron pattern (croner, seconds allowed) or a fixed interval after the previous run. */
import { Cron } from 'croner';
import type { ScheduleConfig } from '../config/index.js';
import { durationMs } from '../config/index.js';
import type { RunKind } from '../api/index.js';

export class Schedule {
  private readonly cron: Cron | undefined;
  private readonly everyMs: number | undefined;
  readonly jitterMs: number;

  constructor(readonly config: ScheduleConfig) {
    this.cron =
      config.cron === undefined
        ? undefined
        : new Cron(config.cron, { paused: true, ...(config.timezone ? { timezone: config.timezone } : {}) });
    this.everyMs = config.every === undefined ? undefined : durationMs(config.every);
    this.jitterMs = config.jitter === undefined ? 0 : (durationMs(config.jitter) ?? 0);
  }

  /** The first due time after `after` (for intervals: `after` is the previous run's start; on-change: never). */
  next(after: number): number {
    if (this.config.on_change !== undefined) return Number.POSITIVE_INFINITY;
    if (this.everyMs !== undefined) return after + this.everyMs;
    const d = this.cron!.nextRun(new Date(after));
    return d === null ? Number.POSITIVE_INFINITY : d.getTime();
  }

  /** The usual time between two runs (for the dead-man's switch's default). */
  intervalMs(now: number): number {
    if (this.everyMs !== undefined) return this.everyMs;
    const a = this.next(now);
    return Number.isFinite(a) ? this.next(a) - a : Number.POSITIVE_INFINITY;
  }

  describe(): string {
    if (this.config.on_change !== undefined) return `on change, after ${this.config.on_change.quiet} quiet`;
    return this.config.cron !== undefined ? `cron ${this.config.cron}` : `every ${this.config.every}`;
  }

  stop(): void {
    this.cron?.stop();
  }
}

/** A job's backups or drills on their schedule, with the armed timer. */
export interface Task {
  job: string;
  kind: RunKind;
  schedule: Schedule;
  timer?: NodeJS.Timeout;
  nextAt?: number;
}
