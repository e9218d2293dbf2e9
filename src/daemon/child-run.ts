/**
 * A run at low CPU or I/O priority: the daemon runs jobs in its own process, and a thread's priority cannot be
 * lowered for one job's reads, hashing and uploads alone (libuv's thread pool is shared), so such a job runs as a
 * child `cairn run JOB --as-child` under `nice -n 19` and/or `ionice -c 3`. The child records the run in the shared
 * history and reports its run id, events and progress to the daemon over the IPC channel; the daemon notifies.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DaemonEvent, ProgressMessage, Run, RunKind } from '../api/index.js';
import type { JobConfig } from '../config/index.js';
import type { Trigger } from './history.js';
import type { RunnerContext } from './run-record.js';
import { hintFor } from './run-record.js';

/** bin/cairn.js, two folders up from this file in src/daemon as in dist/daemon. */
const CAIRN_BIN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));

/** What the child sends: its run's id, then the daemon's broadcasts (events by type, and `progress`). */
export type ChildMessage = { name: 'run-id'; data: number } | { name: string; data: unknown };

export function needsChild(job: JobConfig): boolean {
  return job.nice || job.io_priority === 'idle';
}

/** The command line: the priority wrappers (util-linux and coreutils), then Node running `cairn run`. */
export function childCommand(
  job: JobConfig,
  a: { name: string; kind: RunKind; trigger: Trigger; configFile: string; dataDir: string },
): string[] {
  return [
    ...(job.nice ? ['nice', '-n', '19'] : []),
    ...(job.io_priority === 'idle' ? ['ionice', '-c', '3'] : []),
    process.execPath,
    CAIRN_BIN,
    'run',
    a.name,
    '--config',
    a.configFile,
    '--data-dir',
    a.dataDir,
    '--as-child',
    a.trigger,
    ...(a.kind === 'drill' ? ['--drill'] : []),
  ];
}

export interface ChildRun {
  argv: string[];
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  onRunId(id: number): void;
  onEvent(e: DaemonEvent): void;
  onProgress(p: ProgressMessage): void;
}

/** Runs the child; resolves with its exit code (and the end of its stderr, for a child that failed early). */
export function runChild(c: ChildRun): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.argv[0]!, c.argv.slice(1), {
      env: c.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('message', (m: ChildMessage) => {
      if (m.name === 'run-id') c.onRunId(m.data as number);
      else if (m.name === 'progress') c.onProgress(m.data as ProgressMessage);
      else c.onEvent(m.data as DaemonEvent);
    });
    // The child cancels its run on SIGTERM like `cairn run` on Ctrl-C, leaving its repository valid.
    const cancel = (): boolean => child.kill('SIGTERM');
    c.signal.addEventListener('abort', cancel, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      c.signal.removeEventListener('abort', cancel);
      resolve({ code: code ?? 1, stderr });
    });
  });
}

/** A low-priority job's run in a child process; a child that fails before its run starts is recorded as failed. */
export async function runInChild(
  ctx: RunnerContext,
  configFile: string,
  env: Record<string, string | undefined>,
  r: { job: string; kind: RunKind; trigger: Trigger },
  signal: AbortSignal,
  onStart: (id: number) => void,
): Promise<Run> {
  const argv = childCommand(ctx.config.jobs[r.job]!, { name: r.job, ...r, configFile, dataDir: ctx.dataDir });
  let runId: number | undefined;
  const { code, stderr } = await runChild({
    argv,
    env,
    signal,
    onRunId: (id) => onStart((runId = id)),
    onEvent: (e) => ctx.emit(e),
    onProgress: (p) => ctx.progress(p),
  });
  if (runId === undefined) {
    const at = ctx.now();
    runId = ctx.history.start({ ...r, at });
    const last = stderr.trim().split('\n').pop() ?? '';
    const error = `the job's low-priority process exited with ${code} before its run started: ${last}`;
    ctx.history.end(runId, { outcome: 'failed', at, error });
    onStart(runId);
    ctx.logger.error({ job: r.job }, error);
    const routes = ctx.config.jobs[r.job]?.notify ?? [];
    const iso = new Date(at).toISOString();
    const hint = hintFor(r.kind, 'failed');
    ctx.emit({
      type: 'run-failed',
      job: r.job,
      at: iso,
      routes,
      runId,
      kind: r.kind,
      partial: false,
      error,
      hint,
    });
  }
  return ctx.history.get(runId)!;
}
