/** A job as the API and `cairn status` show it: its config, last result, next run. */
import type { Job } from '../api/index.js';
import type { Daemon } from './daemon.js';
import { jobRepositories } from './job-plan.js';
import { Schedule } from './schedule.js';

export function jobView(d: Daemon, name: string): Job {
  const job = d.config.jobs[name]!;
  const success = d.runs.lastSuccess(name, 'backup');
  const next = d.nextRunAt(name);
  return {
    name,
    description: job.description ?? null,
    sources: job.sources,
    repositories: jobRepositories(job).map((r) => r.name),
    schedule: describeSchedule(job.schedule),
    running: d.running(name) !== undefined,
    nextRunAt: next === undefined ? null : new Date(next).toISOString(),
    lastRun: d.runs.lastRun(name, 'backup') ?? null,
    lastSuccessAt: success?.endedAt ?? null,
    overdue: d.isOverdue(name),
  };
}

function describeSchedule(config: ConstructorParameters<typeof Schedule>[0]): string {
  const s = new Schedule(config);
  s.stop();
  return s.describe();
}
