// A job's state in one word, the way the overview shows it.
import type { Key } from './i18n';
import type { Job } from './types';

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
