/** /metrics in Prometheus' text format, computed from the history and the repositories' cached figures. */
import type { Daemon } from './daemon.js';

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function metricsText(d: Daemon): string {
  const out: string[] = [];
  const family = (
    name: string,
    help: string,
    type: 'gauge' | 'counter',
    rows: [Record<string, string>, number][],
  ): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(',');
      out.push(`${name}{${l}} ${value}`);
    }
  };
  const jobs = Object.keys(d.config.jobs);
  const last = jobs.map((job) => [job, d.runs.lastFinished(job, 'backup')] as const);
  const success = jobs.map((job) => [job, d.runs.lastSuccess(job, 'backup')] as const);
  const drills = jobs
    .map((job) => [job, d.runs.lastFinished(job, 'drill')] as const)
    .filter(([, r]) => r !== undefined);
  const seconds = (iso: string | null | undefined): number => (iso ? Date.parse(iso) / 1000 : 0);
  family(
    'cairn_job_last_success_timestamp_seconds',
    'End of the last successful backup (0: never).',
    'gauge',
    success.map(([job, r]) => [{ job }, seconds(r?.endedAt)]),
  );
  family(
    'cairn_job_last_run_duration_seconds',
    'Duration of the last finished backup run.',
    'gauge',
    last.filter(([, r]) => r).map(([job, r]) => [{ job }, r!.durationSeconds ?? 0]),
  );
  family(
    'cairn_job_last_run_success',
    'Whether the last finished backup run succeeded (1) or not (0).',
    'gauge',
    last
      .filter(([, r]) => r)
      .map(([job, r]) => [{ job, outcome: r!.outcome }, r!.outcome === 'succeeded' ? 1 : 0]),
  );
  family(
    'cairn_job_last_bytes_added',
    'Bytes the last successful backup added to the repository.',
    'gauge',
    success.filter(([, r]) => r).map(([job, r]) => [{ job }, r!.bytesAdded ?? 0]),
  );
  family(
    'cairn_job_last_files',
    'Files the last successful backup processed.',
    'gauge',
    success.filter(([, r]) => r).map(([job, r]) => [{ job }, r!.files ?? 0]),
  );
  family(
    'cairn_job_running',
    'Whether a run of the job is in progress.',
    'gauge',
    jobs.map((job) => [{ job }, d.running(job) ? 1 : 0]),
  );
  family(
    'cairn_job_overdue',
    "Whether the job's dead-man's switch fired.",
    'gauge',
    jobs.map((job) => [{ job }, d.isOverdue(job) ? 1 : 0]),
  );
  family(
    'cairn_drill_last_success',
    'Whether the last restore drill passed.',
    'gauge',
    drills.map(([job, r]) => [{ job }, r!.outcome === 'succeeded' ? 1 : 0]),
  );
  family(
    'cairn_drill_last_duration_seconds',
    'Duration of the last restore drill.',
    'gauge',
    drills.map(([job, r]) => [{ job }, r!.durationSeconds ?? 0]),
  );
  family(
    'cairn_drill_last_restore_seconds',
    'Time the restore of the last passed drill took: what recovering those files takes.',
    'gauge',
    drills.filter(([, r]) => r!.restoreSeconds !== null).map(([job, r]) => [{ job }, r!.restoreSeconds!]),
  );
  const repos = Object.keys(d.config.repositories)
    .map((repository) => [repository, d.stats.figures(repository)] as const)
    .filter(([, f]) => f !== undefined);
  family(
    'cairn_repository_snapshots',
    'Snapshots in the repository at its last refresh.',
    'gauge',
    repos.map(([repository, f]) => [{ repository }, f!.snapshots]),
  );
  family(
    'cairn_repository_stored_bytes',
    'Bytes of the pack files on the backend at the last refresh.',
    'gauge',
    repos.map(([repository, f]) => [{ repository }, f!.storedBytes]),
  );
  return `${out.join('\n')}\n`;
}
