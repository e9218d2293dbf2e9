/**
 * The frame of every run: its history row, its log, its steps (each its own row under the run), the events at its
 * start and end, and the progress it reports.
 */
import type { AppDeps } from '../app/index.js';
import type { DaemonEvent, ProgressMessage, Run, RunKind } from '../api/index.js';
import type { CairnConfig } from '../config/index.js';
import type { ProgressEvent } from '../core/index.js';
import { errorMessageOf } from './errors.js';
import type { History, RunEnd, Trigger } from './history.js';
import type { Logger } from './run-log.js';
import { RunLog } from './run-log.js';

export interface RunnerContext {
  config: CairnConfig;
  dataDir: string;
  history: History;
  logger: Logger;
  /** The environment of the daemon: credentials of archive buckets (AWS_*). */
  env: Record<string, string | undefined>;
  /** The app's dependencies; messages for the user go to `warn`. */
  deps(warn: (message: string) => void): AppDeps;
  now(): number;
  emit(event: DaemonEvent): void;
  progress(message: ProgressMessage): void;
  backupWorkers?: number;
}

/** The tag every snapshot of a job carries: retention and copies select the job's snapshots by it. */

export class StepFailed extends Error {}

export interface Top {
  ctx: RunnerContext;
  job: string;
  runId: number;
  log: RunLog;
  deps: AppDeps;
  signal: AbortSignal;
  trigger: Trigger;
}

/** Runs `fn` as a step (its own history row under the run); failures are recorded and rethrown. */
export async function step<T>(
  top: Top,
  kind: RunKind,
  repository: string,
  fn: () => Promise<T>,
  figures: (t: T) => Omit<RunEnd, 'outcome' | 'at'> = () => ({}),
): Promise<T> {
  const { ctx } = top;
  const id = ctx.history.start({
    job: top.job,
    kind,
    trigger: top.trigger,
    parentId: top.runId,
    repository,
    at: ctx.now(),
  });
  top.log.info(`${kind} ${repository}: started`);
  try {
    const result = await fn();
    ctx.history.end(id, { outcome: 'succeeded', at: ctx.now(), ...figures(result) });
    top.log.info(`${kind} ${repository}: done`);
    return result;
  } catch (err) {
    const message = errorMessageOf(err);
    ctx.history.end(id, {
      outcome: top.signal.aborted ? 'cancelled' : 'failed',
      at: ctx.now(),
      error: message,
    });
    top.log.error(`${kind} ${repository}: ${message}`);
    throw new StepFailed(`${kind} to ${repository}: ${message}`, { cause: err });
  }
}

/** Warnings go to the run's log; with `live`, backup progress goes to the SSE listeners (about once a second). */
export function progressListener(top: Top, live: boolean): (e: ProgressEvent) => void {
  let last = 0;
  return (e) => {
    if (e.kind === 'warning') top.log.warn(e.message);
    else if (e.kind === 'source-error') top.log.warn(`${e.item}: ${e.message}`);
    else if (e.kind === 'backup-status' && live) {
      const now = top.ctx.now();
      if (now - last < 1000) return;
      last = now;
      top.ctx.progress({
        runId: top.runId,
        job: top.job,
        percentDone: e.percentDone,
        filesDone: e.filesDone,
        totalFiles: e.totalFiles,
        bytesDone: e.bytesDone,
        totalBytes: e.totalBytes,
      });
    }
  };
}

/** Starts the top-level row of a run and calls `body`; records the outcome and emits the events. */
export async function recordRun(
  ctx: RunnerContext,
  subject: string | { job: string; repository: string },
  kind: RunKind,
  trigger: Trigger,
  signal: AbortSignal,
  onStart: (runId: number) => void,
  body: (top: Top) => Promise<{ end: Omit<RunEnd, 'outcome' | 'at'>; problems: string[] }>,
): Promise<Run> {
  // The job, and the repository of a run on one (check, prune, drill, restore); a run with job '' has no routes.
  const { job: jobName, repository } =
    typeof subject === 'string' ? { job: subject, repository: undefined } : subject;
  const routes = ctx.config.jobs[jobName]?.notify ?? [];
  const runId = ctx.history.start({
    job: jobName,
    kind,
    trigger,
    at: ctx.now(),
    ...(repository !== undefined ? { repository } : {}),
  });
  onStart(runId);
  const log = new RunLog(ctx.history, ctx.logger, runId, { job: jobName, kind }, () => ctx.now());
  const top: Top = { ctx, job: jobName, runId, log, signal, trigger, deps: ctx.deps((m) => log.warn(m)) };
  const previous = ctx.history.lastFinished(jobName, kind);
  // Every event of the run names its repository when it works on one (a run without a job has nothing else).
  const about = { job: jobName, routes, ...(repository !== undefined ? { repository } : {}) };
  ctx.emit({ type: 'run-started', ...about, at: new Date(ctx.now()).toISOString(), runId, kind });
  const what = jobName === '' ? `${kind} of repository ${repository ?? '?'}` : `${kind} of job ${jobName}`;
  log.info(`${what} started (${trigger})`);
  let end: RunEnd;
  try {
    const r = await body(top);
    end = { ...r.end, at: ctx.now(), outcome: r.problems.length > 0 ? 'partial' : 'succeeded' };
    if (r.problems.length > 0) end.error = r.problems.join('; ');
  } catch (err) {
    end = { at: ctx.now(), outcome: signal.aborted ? 'cancelled' : 'failed', error: errorMessageOf(err) };
  }
  ctx.history.end(runId, end);
  const run = ctx.history.get(runId)!;
  const at = new Date(end.at).toISOString();
  if (end.outcome === 'succeeded') {
    log.info(`${what} succeeded in ${run.durationSeconds} s`);
    ctx.emit({
      type: 'run-succeeded',
      ...about,
      at,
      runId,
      kind,
      durationSeconds: run.durationSeconds ?? 0,
      files: run.files,
      bytesAdded: run.bytesAdded,
      snapshotIds: run.snapshotIds,
    });
    if (previous !== undefined && (previous.outcome === 'failed' || previous.outcome === 'partial'))
      ctx.emit({ type: 'recovered', ...about, at, kind, runId });
  } else {
    log.error(`${what} ${end.outcome}: ${end.error ?? ''}`);
    ctx.emit({
      type: 'run-failed',
      ...about,
      at,
      runId,
      kind,
      partial: end.outcome === 'partial',
      error: end.error ?? end.outcome,
      hint: hintFor(kind, end.outcome),
    });
  }
  return run;
}

export function hintFor(kind: RunKind, outcome: string): string {
  if (outcome === 'cancelled') return 'The run was cancelled; the next scheduled run tries again.';
  if (outcome === 'partial')
    return 'The backup was made, but not every repository got it: see the run log for the failing repository.';
  if (kind === 'restore')
    return 'The restore did not finish: see the run log, fix the cause and start the restore again.';
  if (kind === 'check')
    return 'The repository check found problems: see the run log, then `cairn repair index` or `cairn repair snapshots` as it says.';
  if (kind === 'drill')
    return 'A restore drill failed: run `cairn check --read-data` on the repository and look at the run log.';
  return 'See the run log (`cairn status`, or /api/v1/runs/ID) and fix the cause; the next scheduled run tries again.';
}
