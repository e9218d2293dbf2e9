// The dashboard's job states and the overview's banner (web/src/status.ts): a job that has no successful backup
// yet is never counted as fine.
import { describe, expect, it } from 'vitest';
import { jobStatus, overviewTone } from '../../web/src/status.js';
import type { Job } from '../../web/src/types.js';

const job = (over: Partial<Job>): Job => ({
  name: 'j',
  description: null,
  sources: ['/src'],
  repositories: ['local'],
  schedule: 'every day at 03:00',
  running: false,
  nextRunAt: null,
  lastRun: null,
  lastSuccessAt: null,
  overdue: false,
  ...over,
});
const success = '2026-12-07T03:00:00.000Z';
const run = (outcome: string): Job['lastRun'] => ({ outcome }) as Job['lastRun'];

describe('job states on the overview', () => {
  it('shows a job that never ran as not run yet, and overdue once its expected time passed', () => {
    expect(jobStatus(job({}))).toBe('never');
    expect(jobStatus(job({ lastRun: run('cancelled') }))).toBe('never');
    expect(jobStatus(job({ overdue: true }))).toBe('overdue');
    expect(jobStatus(job({ lastSuccessAt: success, lastRun: run('succeeded') }))).toBe('ok');
  });

  it('does not call the jobs OK while one has no successful backup yet', () => {
    const ok = job({ lastSuccessAt: success, lastRun: run('succeeded') });
    expect(overviewTone([ok, ok])).toEqual({ tone: 'good', bad: 0, pending: 0, ok: 2 });
    expect(overviewTone([ok, job({})])).toEqual({ tone: 'pending', bad: 0, pending: 1, ok: 1 });
    // Its first run under way is not a success yet either.
    expect(overviewTone([ok, job({ running: true })]).tone).toBe('pending');
    expect(overviewTone([job({ overdue: true }), job({})])).toEqual({ tone: 'bad', bad: 1, pending: 1, ok: 0 });
    expect(overviewTone([job({ lastRun: run('failed') })]).tone).toBe('bad');
  });
});
