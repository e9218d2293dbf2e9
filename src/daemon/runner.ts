/**
 * One run of a job: hooks, the backup to its first repository, then per repository a copy (all but the first) and
 * its retention (forget, prune). A failing destination is logged and reported but does not stop the others.
 */
import type { AppDeps, BackupOutcome, RetentionPolicy } from '../app/index.js';
import { copySnapshots, forgetSnapshots, parseGroupBy, parseRetentionDuration, runBackup, runDrill, runPrune, parseDrillSample } from '../app/index.js';
import type { DaemonEvent, ProgressMessage, Run, RunKind } from '../api/index.js';
import type { CairnConfig, JobConfig, RetentionConfig } from '../config/index.js';
import type { ProgressEvent } from '../core/index.js';
import { errorMessageOf } from './errors.js';
import type { History, RunEnd, Trigger } from './history.js';
import { runHook } from './hooks.js';
import { createMissing, openOptions } from './repositories.js';
import type { Logger } from './run-log.js';
import { RunLog } from './run-log.js';
import { sizeDrop } from './watch.js';

export interface RunnerContext {
  config: CairnConfig;
  dataDir: string;
  history: History;
  logger: Logger;
  /** The app's dependencies; messages for the user go to `warn`. */
  deps(warn: (message: string) => void): AppDeps;
  now(): number;
  emit(event: DaemonEvent): void;
  progress(message: ProgressMessage): void;
  backupWorkers?: number;
}

/** The tag every snapshot of a job carries: retention and copies select the job's snapshots by it. */
export const jobTag = (job: string): string => `cairn-job:${job}`;

export function jobRepositories(job: JobConfig): { name: string; retention?: RetentionConfig | undefined }[] {
  return job.repositories.map((r) => (typeof r === 'string' ? { name: r } : r));
}

export function retentionPolicy(r: RetentionConfig): RetentionPolicy {
  const p: RetentionPolicy = {};
  const count = { keep_last: 'last', keep_hourly: 'hourly', keep_daily: 'daily', keep_weekly: 'weekly', keep_monthly: 'monthly', keep_yearly: 'yearly' } as const;
  for (const [key, field] of Object.entries(count)) {
    const v = r[key as keyof typeof count];
    if (v !== undefined) p[field] = v;
  }
  const within = { keep_within: 'within', keep_within_hourly: 'withinHourly', keep_within_daily: 'withinDaily', keep_within_weekly: 'withinWeekly', keep_within_monthly: 'withinMonthly', keep_within_yearly: 'withinYearly' } as const;
  for (const [key, field] of Object.entries(within)) {
    const v = r[key as keyof typeof within];
    if (v !== undefined) p[field] = parseRetentionDuration(v);
  }
  if (r.keep_tag !== undefined) p.tags = r.keep_tag.map((t) => t.split(','));
  return p;
}

class StepFailed extends Error {}

interface Top {
  ctx: RunnerContext;
  job: string;
  runId: number;
  log: RunLog;
  deps: AppDeps;
  signal: AbortSignal;
  trigger: Trigger;
}

/** Runs `fn` as a step (its own history row under the run); failures are recorded and rethrown. */
async function step<T>(top: Top, kind: RunKind, repository: string, fn: () => Promise<T>, figures: (t: T) => Omit<RunEnd, 'outcome' | 'at'> = () => ({})): Promise<T> {
  const { ctx } = top;
  const id = ctx.history.start({ job: top.job, kind, trigger: top.trigger, parentId: top.runId, repository, at: ctx.now() });
  top.log.info(`${kind} ${repository}: started`);
  try {
    const result = await fn();
    ctx.history.end(id, { outcome: 'succeeded', at: ctx.now(), ...figures(result) });
    top.log.info(`${kind} ${repository}: done`);
    return result;
  } catch (err) {
    const message = errorMessageOf(err);
    ctx.history.end(id, { outcome: top.signal.aborted ? 'cancelled' : 'failed', at: ctx.now(), error: message });
    top.log.error(`${kind} ${repository}: ${message}`);
    throw new StepFailed(`${kind} to ${repository}: ${message}`, { cause: err });
  }
}

/** Warnings go to the run's log; with `live`, backup progress goes to the SSE listeners (about once a second). */
function progressListener(top: Top, live: boolean): (e: ProgressEvent) => void {
  let last = 0;
  return (e) => {
    if (e.kind === 'warning') top.log.warn(e.message);
    else if (e.kind === 'source-error') top.log.warn(`${e.item}: ${e.message}`);
    else if (e.kind === 'backup-status' && live) {
      const now = top.ctx.now();
      if (now - last < 1000) return;
      last = now;
      top.ctx.progress({ runId: top.runId, job: top.job, percentDone: e.percentDone, filesDone: e.filesDone, totalFiles: e.totalFiles, bytesDone: e.bytesDone, totalBytes: e.totalBytes });
    }
  };
}

/** Starts the top-level row of a run and calls `body`; records the outcome and emits the events. */
export async function recordRun(
  ctx: RunnerContext,
  jobName: string,
  kind: RunKind,
  trigger: Trigger,
  signal: AbortSignal,
  onStart: (runId: number) => void,
  body: (top: Top) => Promise<{ end: Omit<RunEnd, 'outcome' | 'at'>; problems: string[] }>,
): Promise<Run> {
  const job = ctx.config.jobs[jobName]!;
  const routes = job.notify;
  const runId = ctx.history.start({ job: jobName, kind, trigger, at: ctx.now() });
  onStart(runId);
  const log = new RunLog(ctx.history, ctx.logger, runId, { job: jobName, kind }, () => ctx.now());
  const top: Top = { ctx, job: jobName, runId, log, signal, trigger, deps: ctx.deps((m) => log.warn(m)) };
  const previous = ctx.history.lastFinished(jobName, kind);
  ctx.emit({ type: 'run-started', job: jobName, at: new Date(ctx.now()).toISOString(), routes, runId, kind });
  log.info(`${kind} of job ${jobName} started (${trigger})`);
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
    log.info(`${kind} of job ${jobName} succeeded in ${run.durationSeconds} s`);
    ctx.emit({ type: 'run-succeeded', job: jobName, at, routes, runId, kind, durationSeconds: run.durationSeconds ?? 0, files: run.files, bytesAdded: run.bytesAdded, snapshotIds: run.snapshotIds });
    if (previous !== undefined && (previous.outcome === 'failed' || previous.outcome === 'partial')) ctx.emit({ type: 'recovered', job: jobName, at, routes, kind, runId });
  } else {
    log.error(`${kind} of job ${jobName} ${end.outcome}: ${end.error ?? ''}`);
    ctx.emit({ type: 'run-failed', job: jobName, at, routes, runId, kind, partial: end.outcome === 'partial', error: end.error ?? end.outcome, hint: hintFor(kind, end.outcome) });
  }
  return run;
}

function hintFor(kind: RunKind, outcome: string): string {
  if (outcome === 'cancelled') return 'The run was cancelled; the next scheduled run tries again.';
  if (outcome === 'partial') return 'The backup was made, but not every repository got it: see the run log for the failing repository.';
  if (kind === 'drill') return 'A restore drill failed: run `cairn check --read-data` on the repository and look at the run log.';
  return 'See the run log (`cairn status`, or /api/v1/runs/ID) and fix the cause; the next scheduled run tries again.';
}

export function runBackupJob(ctx: RunnerContext, jobName: string, trigger: Trigger, signal: AbortSignal, onStart: (runId: number) => void): Promise<Run> {
  const job = ctx.config.jobs[jobName]!;
  const repos = jobRepositories(job);
  const first = repos[0]!.name;
  return recordRun(ctx, jobName, 'backup', trigger, signal, onStart, async (top) => {
    const opts = (name: string, progress = false): ReturnType<typeof openOptions> =>
      openOptions(ctx.config, ctx.dataDir, name, signal, { onProgress: progressListener(top, progress), progressStatus: progress });
    await createMissing(top.deps, ctx.config, ctx.dataDir, repos.map((r) => r.name), signal);
    let outcome: BackupOutcome | undefined;
    const problems: string[] = [];
    try {
      for (const cmd of job.hooks.before) await runHook(cmd, { CAIRN_JOB: jobName }, signal, (l) => top.log.info(`hook: ${l}`));
      outcome = await runBackup(top.deps, opts(first, true), { paths: job.sources, excludes: { exclude: job.excludes }, tags: [jobTag(jobName), ...job.tags], ...(ctx.backupWorkers !== undefined ? { workers: ctx.backupWorkers } : {}) });
      for (const p of outcome.skippedPaths) problems.push(`the source ${p} was not found`);
      for (const e of outcome.sourceErrors) top.log.warn(`${e.item}: ${e.message}`);
      if (outcome.sourceErrors.length > 0) problems.push(`${outcome.sourceErrors.length} files could not be read`);
      const s = outcome.summary;
      top.log.info(`snapshot ${outcome.snapshotId ?? '?'} saved: ${s.files_new} new, ${s.files_changed} changed files, ${s.data_added} bytes added`);
      for (const [i, r] of repos.entries()) {
        try {
          if (i > 0) {
            await step(top, 'copy', r.name, () => copySnapshots(top.deps, opts(r.name), { from: opts(first), filter: { tags: [[jobTag(jobName)]] } }), (c) => ({ snapshotIds: c.copied.map((x) => x.id) }));
          }
          if (r.retention) await applyRetention(top, r.name, r.retention, opts(r.name));
        } catch (err) {
          if (!(err instanceof StepFailed) || signal.aborted) throw err;
          problems.push(err.message);
        }
      }
    } finally {
      const env = { CAIRN_JOB: jobName, CAIRN_OUTCOME: outcome === undefined ? 'failed' : problems.length > 0 ? 'partial' : 'succeeded' };
      for (const cmd of job.hooks.after) {
        await runHook(cmd, env, new AbortController().signal, (l) => top.log.info(`hook: ${l}`)).catch((err: unknown) => {
          problems.push(errorMessageOf(err));
          top.log.warn(errorMessageOf(err));
        });
      }
    }
    const s = outcome.summary;
    const end = { files: s.total_files_processed, bytesAdded: s.data_added, bytesTotal: s.total_bytes_processed, snapshotIds: outcome.snapshotId === undefined ? [] : [outcome.snapshotId] };
    const drop = sizeDrop(ctx.history.previousSizes(jobName, top.runId, 5), s.total_bytes_processed, job.size_drop_percent);
    if (drop !== undefined) {
      top.log.warn(`the backup is ${drop.dropPercent.toFixed(0)}% smaller than the previous ones (${s.total_bytes_processed} bytes against ${drop.previousAverage.toFixed(0)} on average)`);
      ctx.emit({ type: 'size-drop', job: jobName, at: new Date(ctx.now()).toISOString(), routes: job.notify, runId: top.runId, bytes: s.total_bytes_processed, ...drop });
    }
    return { end, problems };
  });
}

async function applyRetention(top: Top, repo: string, r: RetentionConfig, opts: ReturnType<typeof openOptions>): Promise<void> {
  const forgotten = await step(
    top,
    'forget',
    repo,
    () => forgetSnapshots(top.deps, opts, { policy: retentionPolicy(r), groupBy: parseGroupBy('host,paths'), filter: { tags: [[jobTag(top.job)]] } }),
    (f) => ({ snapshotIds: f.removed }),
  );
  top.log.info(`forget ${repo}: ${forgotten.removed.length} snapshots removed`);
  if (r.prune && forgotten.removed.length > 0) {
    await step(top, 'prune', repo, () => runPrune(top.deps, opts, { maxUnused: { kind: 'percent', value: 5 } }));
  }
}

export function runDrillJob(ctx: RunnerContext, jobName: string, trigger: Trigger, signal: AbortSignal, onStart: (runId: number) => void): Promise<Run> {
  const job = ctx.config.jobs[jobName]!;
  const drill = job.drill!;
  const repo = drill.repository ?? jobRepositories(job)[0]!.name;
  return recordRun(ctx, jobName, 'drill', trigger, signal, onStart, async (top) => {
    const o = await runDrill(top.deps, openOptions(ctx.config, ctx.dataDir, repo, signal), { snapshot: 'latest', filter: { tags: [[jobTag(jobName)]] }, sample: parseDrillSample(drill.sample) });
    for (const p of o.problems) top.log.error(`${p.path}: ${p.message}`);
    top.log.info(`drill of ${o.snapshot.id.slice(0, 8)} on ${repo}: ${o.filesChecked} files checked, restore took ${o.restoreSeconds.toFixed(1)} s`);
    if (o.problems.length > 0) throw new Error(`the drill found ${o.problems.length} problems in snapshot ${o.snapshot.id.slice(0, 8)}`);
    return { end: { files: o.filesChecked, bytesTotal: o.bytesRestored, snapshotIds: [o.snapshot.id] }, problems: [] };
  });
}
