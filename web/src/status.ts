// A job's state in one word, the way the overview shows it.
import type { Key } from './i18n.js';
import type { Job } from './types.js';

export type JobStatus = 'running' | 'failing' | 'overdue' | 'ok' | 'never';

const FAILED = new Set(['failed', 'partial', 'interrupted']);

export function jobStatus(job: Job): JobStatus {
  if (job.running) return 'running';
  if (job.lastRun && FAILED.has(job.lastRun.outcome)) return 'failing';
  if (job.overdue) return 'overdue';
  return job.lastSuccessAt ? 'ok' : 'never';
}

export const STATUS_LABEL: Record<JobStatus, Key> = {
  running: 'statusRunning',
  failing: 'statusFailing',
  overdue: 'statusOverdue',
  ok: 'statusOk',
  never: 'statusNever',
};

export const needsAttention = (s: JobStatus): boolean => s === 'failing' || s === 'overdue';

/**
 * The overview's banner: bad while a job needs attention, pending while a job has no successful backup yet (a job
 * that never ran is not fine), good otherwise.
 */
export function overviewTone(jobs: Job[]): { tone: 'bad' | 'pending' | 'good'; bad: number; pending: number; ok: number } {
  const statuses = jobs.map(jobStatus);
  const bad = statuses.filter(needsAttention).length;
  const pending = jobs.filter((j, i) => !needsAttention(statuses[i]!) && j.lastSuccessAt === null).length;
  const tone = bad > 0 ? 'bad' : pending > 0 ? 'pending' : 'good';
  return { tone, bad, pending, ok: jobs.length - bad - pending };
}
