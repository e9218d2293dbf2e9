/** What a job's config means for a run: its snapshots' tag, its repositories in order, their retention policies. */
import type { RetentionPolicy } from '../app/index.js';
import { parseRetentionDuration } from '../app/index.js';
import type { JobConfig, RetentionConfig } from '../config/index.js';

export const jobTag = (job: string): string => `cairn-job:${job}`;

export function jobRepositories(job: JobConfig): { name: string; retention?: RetentionConfig | undefined }[] {
  return job.repositories.map((r) => (typeof r === 'string' ? { name: r } : r));
}

export function retentionPolicy(r: RetentionConfig): RetentionPolicy {
  const p: RetentionPolicy = {};
  const count = {
    keep_last: 'last',
    keep_hourly: 'hourly',
    keep_daily: 'daily',
    keep_weekly: 'weekly',
    keep_monthly: 'monthly',
    keep_yearly: 'yearly',
  } as const;
  for (const [key, field] of Object.entries(count)) {
    const v = r[key as keyof typeof count];
    if (v !== undefined) p[field] = v;
  }
  const within = {
    keep_within: 'within',
    keep_within_hourly: 'withinHourly',
    keep_within_daily: 'withinDaily',
    keep_within_weekly: 'withinWeekly',
    keep_within_monthly: 'withinMonthly',
    keep_within_yearly: 'withinYearly',
  } as const;
  for (const [key, field] of Object.entries(within)) {
    const v = r[key as keyof typeof within];
    if (v !== undefined) p[field] = parseRetentionDuration(v);
  }
  if (r.keep_tag !== undefined) p.tags = r.keep_tag.map((t) => t.split(','));
  return p;
}
