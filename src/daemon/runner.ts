/**
 * One run of a job: hooks, the backup to its first repository, then per repository a copy (all but the first) and
 * its retention (forget, prune). A failing destination is logged and reported but does not stop the others.
 */
import type { BackupOutcome } from '../app/index.js';
import {
  copySnapshots,
  forgetSnapshots,
  parseDrillSample,
  parseGroupBy,
  runBackup,
  runDrill,
  runPrune,
} from '../app/index.js';
import type { Run } from '../api/index.js';
import type { JobConfig, RetentionConfig } from '../config/index.js';
import { writeArchive } from './archive.js';
import { errorMessageOf } from './errors.js';
import type { Trigger } from './history.js';
import { runHook } from './hooks.js';
import { jobRepositories, jobTag, retentionPolicy } from './job-plan.js';
import { createMissing, openOptions } from './repositories.js';
import type { RunnerContext, Top } from './run-record.js';
import { progressListener, recordRun, step, StepFailed } from './run-record.js';
import { sizeDrop } from './watch.js';

export type { RunnerContext } from './run-record.js';

export function runBackupJob(
  ctx: RunnerContext,
  jobName: string,
  trigger: Trigger,
  signal: AbortSignal,
  onStart: (runId: number) => void,
): Promise<Run> {
  const job = ctx.config.jobs[jobName]!;
  const repos = jobRepositories(job);
  const first = repos[0]!.name;
  return recordRun(ctx, jobName, 'backup', trigger, signal, onStart, async (top) => {
    const opts = (name: string, progress = false): ReturnType<typeof openOptions> =>
      openOptions(ctx.config, ctx.dataDir, name, signal, {
        onProgress: progressListener(top, progress),
        progressStatus: progress,
      });
    await createMissing(
      top.deps,
      ctx.config,
      ctx.dataDir,
      repos.map((r) => r.name),
      signal,
    );
    let outcome: BackupOutcome | undefined;
    const problems: string[] = [];
    try {
      for (const cmd of job.hooks.before)
        await runHook(cmd, { CAIRN_JOB: jobName }, signal, (l) => top.log.info(`hook: ${l}`));
      outcome = await runBackup(top.deps, opts(first, true), {
        paths: job.sources,
        excludes: { exclude: job.excludes },
        tags: [jobTag(jobName), ...job.tags],
        ...(ctx.backupWorkers !== undefined ? { workers: ctx.backupWorkers } : {}),
      });
      for (const p of outcome.skippedPaths) problems.push(`the source ${p} was not found`);
      for (const e of outcome.sourceErrors) top.log.warn(`${e.item}: ${e.message}`);
      if (outcome.sourceErrors.length > 0)
        problems.push(`${outcome.sourceErrors.length} files could not be read`);
      const s = outcome.summary;
      top.log.info(
        `snapshot ${outcome.snapshotId ?? '?'} saved: ${s.files_new} new, ${s.files_changed} changed files, ${s.data_added} bytes added`,
      );
      for (const [i, r] of repos.entries()) {
        try {
          if (i > 0) {
            await step(
              top,
              'copy',
              r.name,
              () =>
                copySnapshots(top.deps, opts(r.name), {
                  from: opts(first),
                  filter: { tags: [[jobTag(jobName)]] },
                }),
              (c) => ({ snapshotIds: c.copied.map((x) => x.id) }),
            );
          }
          if (r.retention) await applyRetention(top, r.name, r.retention, opts(r.name));
        } catch (err) {
          if (!(err instanceof StepFailed) || signal.aborted) throw err;
          problems.push(err.message);
        }
      }
      if (job.archive) await archiveSources(top, job, problems);
    } finally {
      const env = {
        CAIRN_JOB: jobName,
        CAIRN_OUTCOME: outcome === undefined ? 'failed' : problems.length > 0 ? 'partial' : 'succeeded',
      };
      for (const cmd of job.hooks.after) {
        await runHook(cmd, env, new AbortController().signal, (l) => top.log.info(`hook: ${l}`)).catch(
          (err: unknown) => {
            problems.push(errorMessageOf(err));
            top.log.warn(errorMessageOf(err));
          },
        );
      }
    }
    const s = outcome.summary;
    const end = {
      files: s.total_files_processed,
      bytesAdded: s.data_added,
      bytesTotal: s.total_bytes_processed,
      snapshotIds: outcome.snapshotId === undefined ? [] : [outcome.snapshotId],
    };
    const drop = sizeDrop(
      ctx.history.previousSizes(jobName, top.runId, 5),
      s.total_bytes_processed,
      job.size_drop_percent,
    );
    if (drop !== undefined) {
      top.log.warn(
        `the backup is ${drop.dropPercent.toFixed(0)}% smaller than the previous ones (${s.total_bytes_processed} bytes against ${drop.previousAverage.toFixed(0)} on average)`,
      );
      ctx.emit({
        type: 'size-drop',
        job: jobName,
        at: new Date(ctx.now()).toISOString(),
        routes: job.notify,
        runId: top.runId,
        bytes: s.total_bytes_processed,
        ...drop,
      });
    }
    return { end, problems };
  });
}

/** The job's plain archive; a failure is one of the run's problems, not the end of the run. */
async function archiveSources(top: Top, job: JobConfig, problems: string[]): Promise<void> {
  const a = job.archive!;
  try {
    const r = await writeArchive(top.job, a, job.sources, job.excludes, new Date(top.ctx.now()), top.signal);
    top.log.info(`archive ${r.file} written (${r.bytes} bytes); ${r.removed.length} older archives removed`);
  } catch (err) {
    if (top.signal.aborted) throw err;
    const message = `the archive to ${a.to} could not be written: ${errorMessageOf(err)}`;
    top.log.error(message);
    problems.push(message);
  }
}

async function applyRetention(
  top: Top,
  repo: string,
  r: RetentionConfig,
  opts: ReturnType<typeof openOptions>,
): Promise<void> {
  const forgotten = await step(
    top,
    'forget',
    repo,
    () =>
      forgetSnapshots(top.deps, opts, {
        policy: retentionPolicy(r),
        groupBy: parseGroupBy('host,paths'),
        filter: { tags: [[jobTag(top.job)]] },
      }),
    (f) => ({ snapshotIds: f.removed }),
  );
  top.log.info(`forget ${repo}: ${forgotten.removed.length} snapshots removed`);
  if (r.prune && forgotten.removed.length > 0) {
    await step(top, 'prune', repo, () =>
      runPrune(top.deps, opts, { maxUnused: { kind: 'percent', value: 5 } }),
    );
  }
}

export function runDrillJob(
  ctx: RunnerContext,
  jobName: string,
  trigger: Trigger,
  signal: AbortSignal,
  onStart: (runId: number) => void,
): Promise<Run> {
  const job = ctx.config.jobs[jobName]!;
  // A drill asked for through the API needs no drill section: the defaults apply.
  const drill = job.drill;
  const repo = drill?.repository ?? jobRepositories(job)[0]!.name;
  const subject = { job: jobName, repository: repo };
  return recordRun(ctx, subject, 'drill', trigger, signal, onStart, async (top) => {
    const o = await runDrill(top.deps, openOptions(ctx.config, ctx.dataDir, repo, signal), {
      snapshot: 'latest',
      filter: { tags: [[jobTag(jobName)]] },
      sample: parseDrillSample(drill?.sample ?? '10%'),
    });
    for (const p of o.problems) top.log.error(`${p.path}: ${p.message}`);
    top.log.info(
      `drill of ${o.snapshot.id.slice(0, 8)} on ${repo}: ${o.filesChecked} files checked, restore took ${o.restoreSeconds.toFixed(1)} s`,
    );
    if (o.problems.length > 0)
      throw new Error(
        `the drill found ${o.problems.length} problems in snapshot ${o.snapshot.id.slice(0, 8)}`,
      );
    return {
      end: {
        files: o.filesChecked,
        bytesTotal: o.bytesRestored,
        restoreSeconds: o.restoreSeconds,
        snapshotIds: [o.snapshot.id],
      },
      problems: [],
    };
  });
}
