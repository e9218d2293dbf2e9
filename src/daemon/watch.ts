/** The dead-man's switch and the size-drop warning, computed from the history. */
import type { DaemonEvent, RunKind } from '../api/index.js';
import type { CairnConfig } from '../config/index.js';
import { durationMs } from '../config/index.js';
import type { Task } from './schedule.js';
import type { History } from './history.js';

/** A backup `dropPercent` smaller than the average of the previous ones, or undefined. */
export function sizeDrop(
  previous: number[],
  bytes: number,
  thresholdPercent: number,
): { previousAverage: number; dropPercent: number } | undefined {
  if (previous.length === 0) return undefined;
  const previousAverage = previous.reduce((a, b) => a + b, 0) / previous.length;
  if (previousAverage <= 0) return undefined;
  const dropPercent = ((previousAverage - bytes) / previousAverage) * 100;
  return dropPercent >= thresholdPercent ? { previousAverage, dropPercent } : undefined;
}

interface WatchDeps {
  config(): CairnConfig;
  history(): History;
  emit(event: DaemonEvent): void;
}

/**
 * Fires `job-overdue` once when a job's backups (or drills) have not succeeded for longer than expected
 * (`expect_success_within`, else twice the schedule's interval, counted from the daemon's start when none ever
 * did), and `recovered` when such a job succeeds again.
 */
export class OverdueWatch {
  private readonly overdue = new Set<string>();
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private tasks: Task[] = [];

  constructor(private readonly deps: WatchDeps) {}

  isOverdue(job: string, kind: RunKind): boolean {
    return this.overdue.has(`${job}:${kind}`);
  }

  /** Checks the tasks periodically: every quarter of the shortest expected interval, at most once a minute. */
  arm(tasks: Task[]): void {
    this.stop();
    this.tasks = tasks;
    const shortest = Math.min(60_000, ...tasks.map((t) => this.expectedMs(t) / 4));
    this.timer = setInterval(() => this.check(this.tasks), Math.max(1000, shortest));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private expectedMs(task: Task): number {
    const within = this.deps.config().jobs[task.job]?.expect_success_within;
    if (task.kind === 'backup' && within !== undefined) return durationMs(within)!;
    return 2 * task.schedule.intervalMs(Date.now());
  }

  check(tasks: Task[]): void {
    const now = Date.now();
    for (const task of tasks) {
      const key = `${task.job}:${task.kind}`;
      const last = this.deps.history().lastSuccess(task.job, task.kind);
      const since = last?.endedAt ? Date.parse(last.endedAt) : this.startedAt;
      const expected = this.expectedMs(task);
      if (now - since <= expected) {
        this.overdue.delete(key);
        continue;
      }
      if (this.overdue.has(key)) continue;
      this.overdue.add(key);
      this.deps.emit({
        type: 'job-overdue',
        job: task.job,
        kind: task.kind,
        at: new Date(now).toISOString(),
        routes: this.deps.config().jobs[task.job]?.notify ?? [],
        lastSuccessAt: last?.endedAt ?? null,
        expectedWithinSeconds: expected / 1000,
      });
    }
  }

  /** After a run: an overdue job that succeeded has recovered (after a failure, the runner already said so). */
  afterRun(job: string, kind: RunKind): void {
    const [last, before] = this.deps
      .history()
      .runs(job, 20, kind)
      .filter((r) => r.outcome !== 'skipped');
    const failedBefore = before?.outcome === 'failed' || before?.outcome === 'partial';
    if (last?.outcome === 'succeeded' && this.overdue.delete(`${job}:${kind}`) && !failedBefore) {
      this.deps.emit({
        type: 'recovered',
        job,
        kind,
        runId: last.id,
        at: new Date().toISOString(),
        routes: this.deps.config().jobs[job]?.notify ?? [],
      });
    }
  }
}
