/**
 * The scheduler daemon: loads the config, takes the data directory's lock, opens the history, arms one timer per
 * job (and per drill), runs at most one run per job at a time (a run due meanwhile is recorded as skipped), watches
 * for overdue jobs, reloads on demand (a bad config keeps the old one) and stops by aborting what runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AppDeps, OpenOptions } from '../app/index.js';
import { repositoryFigures } from '../app/index.js';
import type { StoredSnapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { DaemonEvent, ProgressMessage, Run, RunKind } from '../api/index.js';
import type { CairnConfig, LoadedConfig } from '../config/index.js';
import { durationMs, loadConfig } from '../config/index.js';
import { errorMessageOf } from './errors.js';
import { History } from './history.js';
import type { RunEnd, Trigger } from './history.js';
import type { LockRole } from './pid-lock.js';
import { PidLock } from './pid-lock.js';
import { appDeps, backendOptionsByUrl, openOptions } from './repositories.js';
import type { Logger } from './run-log.js';
import type { RunnerContext } from './runner.js';
import type { Top } from './run-record.js';
import { recordRun } from './run-record.js';
import { ReadSessions } from './read-sessions.js';
import { RepositoryStatsCache } from './repository-stats.js';
import { jobRepositories } from './job-plan.js';
import { runBackupJob, runDrillJob } from './runner.js';
import type { Task } from './schedule.js';
import { Schedule } from './schedule.js';
import { OverdueWatch } from './watch.js';
import { ChangeWatch } from './on-change.js';
import { windowWaitMs } from './window.js';
import { needsChild, runInChild } from './child-run.js';

export interface DaemonOptions {
  loaded: LoadedConfig;
  /** Where history, lock and caches live (the config's data_dir wins). */
  dataDir: string;
  logger: Logger;
  onEvent?: (event: DaemonEvent) => void;
  env?: Record<string, string | undefined>;
  /** Worker threads per backup (default: the archiver's); 0 in tests that run TypeScript sources. */
  backupWorkers?: number;
  /** This process is the child `cairn run --as-child` of a low-priority job: run in-process, never spawn. */
  inProcess?: boolean;
}

interface Active {
  runId?: number;
  kind: RunKind;
  controller: AbortController;
  done: Promise<Run>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class Daemon {
  private loaded: LoadedConfig;
  readonly dataDir: string;
  readonly logger: Logger;
  private history: History | undefined;
  private lock: PidLock | undefined;
  private tasks: Task[] = [];
  private readonly active = new Map<string, Active>();
  private readonly watch = new OverdueWatch({
    config: () => this.config,
    history: () => this.runs,
    emit: (e) => this.emit(e),
  });
  private stopping = false;
  private changeWatches: ChangeWatch[] = [];
  /** Jobs whose due run waits for their window to open. */
  private readonly windowWaits = new Map<string, NodeJS.Timeout>();
  /** On-change jobs that changed again during their run: one more run follows it. */
  private readonly changedDuringRun = new Set<string>();
  private readonly listeners = new Set<(name: string, data: unknown) => void>();
  /** The repositories' figures for the dashboard and /metrics, refreshed off the request path. */
  /** One open repository per configured repository for the API's reads and the figures (see read-sessions.ts). */
  private readonly reads = new ReadSessions((name, signal) => this.access(name, signal, { noLock: true }));
  readonly stats = new RepositoryStatsCache({
    compute: (name, signal) => {
      const { deps, opts } = this.reader(name, signal);
      return repositoryFigures(deps, opts);
    },
    record: (name, at, figures) => this.runs.addRepositoryStats(name, at, figures),
    now: () => Date.now(),
    warn: (repository, message) => this.logger.warn({ repository }, message),
  });

  constructor(private readonly opts: DaemonOptions) {
    this.loaded = opts.loaded;
    this.dataDir = opts.loaded.config.data_dir ?? opts.dataDir;
    this.logger = opts.logger;
  }

  get config(): CairnConfig {
    return this.loaded.config;
  }
  get configFile(): string {
    return this.loaded.file;
  }
  get runs(): History {
    if (!this.history) throw new Error('the daemon was not opened');
    return this.history;
  }

  /**
   * Opens the history; with `exclusive` (the serving daemon) first takes the data directory's lock, marks runs a
   * crash left `running` as interrupted and prunes old runs (`role: 'run'`: a `cairn run` without a daemon).
   * `cairn status` and a daemon's child run open it shared.
   */
  open({ exclusive, role = 'serve' }: { exclusive: boolean; role?: LockRole }): void {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (exclusive) this.lock = PidLock.acquire(this.dataDir, role);
    try {
      this.history = new History(
        path.join(this.dataDir, 'history.sqlite'),
        exclusive ? Date.now() : undefined,
      );
    } catch (err) {
      this.lock?.release();
      throw err;
    }
    if (exclusive) this.pruneHistory();
  }

  /** Tells a `cairn run` started later where the API listens (through the lock file). */
  advertise(url: string): void {
    this.lock?.advertise(url);
  }

  /** Arms the timers and runs what was missed (or is marked run_at_start). */
  schedule(): void {
    this.arm(true);
    for (const name of Object.keys(this.config.repositories)) void this.stats.refresh(name);
  }

  /** Subscribes to events and progress (SSE); returns the unsubscribe function. */
  subscribe(fn: (name: string, data: unknown) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private broadcast(name: string, data: unknown): void {
    for (const fn of this.listeners) fn(name, data);
  }

  private emit(event: DaemonEvent): void {
    this.logger.info({ event: event.type, job: event.job }, `event ${event.type}`);
    this.broadcast(event.type, event);
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.logger.error(`the event handler failed: ${errorMessageOf(err)}`);
    }
  }

  private runnerContext(job?: string): RunnerContext {
    const config = this.config;
    const jc = job === undefined ? undefined : config.jobs[job];
    const limits = {
      ...(jc?.limit_upload !== undefined ? { uploadBytesPerSecond: jc.limit_upload * 1024 } : {}),
      ...(jc?.limit_download !== undefined ? { downloadBytesPerSecond: jc.limit_download * 1024 } : {}),
    };
    const env = this.opts.env ?? process.env;
    const optionsByUrl = backendOptionsByUrl(config);
    return {
      config,
      dataDir: this.dataDir,
      history: this.runs,
      logger: this.logger,
      env,
      now: () => Date.now(),
      emit: (e) => this.emit(e),
      progress: (p: ProgressMessage) => this.broadcast('progress', p),
      ...(this.opts.backupWorkers !== undefined ? { backupWorkers: this.opts.backupWorkers } : {}),
      deps: (warn) => appDeps(optionsByUrl, env, warn, limits),
    };
  }

  /** (Re)creates the timers from the current config; at start, runs missed or run-at-start jobs. */
  private arm(atStart: boolean): void {
    this.disarmAll();
    this.tasks = [];
    const now = Date.now();
    for (const [name, job] of Object.entries(this.config.jobs)) {
      if (job.schedule.on_change === undefined) continue;
      const warn = (m: string): void => this.logger.warn({ job: name }, m);
      this.changeWatches.push(new ChangeWatch(job, () => this.due(name, 'backup', 'schedule', true), warn));
    }
    for (const [name, job] of Object.entries(this.config.jobs)) {
      this.tasks.push({ job: name, kind: 'backup', schedule: new Schedule(job.schedule) });
      if (job.drill)
        this.tasks.push({ job: name, kind: 'drill', schedule: new Schedule(job.drill.schedule) });
    }
    for (const task of this.tasks) {
      const last = this.runs.lastRun(task.job, task.kind);
      const lastStart = last === undefined ? undefined : Date.parse(last.startedAt);
      if (atStart) {
        const missed = lastStart !== undefined && task.schedule.next(lastStart) < now;
        if (task.schedule.config.run_at_start) this.due(task.job, task.kind, 'start');
        else if (missed && task.schedule.config.catch_up === 'run-once')
          this.due(task.job, task.kind, 'catch-up');
      }
      this.armTask(task, task.schedule.config.every !== undefined ? (lastStart ?? now) : now);
    }
    this.watch.arm(this.tasks);
  }

  private disarmAll(): void {
    for (const t of this.tasks) this.disarm(t);
    for (const w of this.changeWatches) w.stop();
    this.changeWatches = [];
  }

  private disarm(task: Task): void {
    if (task.timer) clearTimeout(task.timer);
    task.schedule.stop();
  }

  private armTask(task: Task, after: number): void {
    let due = task.schedule.next(after);
    if (due < Date.now()) due = task.schedule.next(Date.now());
    if (!Number.isFinite(due)) return;
    if (task.schedule.jitterMs > 0) due += Math.floor(Math.random() * task.schedule.jitterMs);
    task.nextAt = due;
    const wait = Math.max(0, due - Date.now());
    task.timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return this.armTask(task, after);
        this.due(task.job, task.kind, 'schedule');
        this.armTask(task, Math.max(Date.now(), due));
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  /** The next scheduled backup: from the armed timer, or (not serving) computed from the schedule and history. */
  nextRunAt(job: string): number | undefined {
    const armed = this.tasks.find((t) => t.job === job && t.kind === 'backup');
    if (armed) return armed.nextAt;
    const jc = this.config.jobs[job];
    if (!jc) return undefined;
    const schedule = new Schedule(jc.schedule);
    const last = this.runs.lastRun(job, 'backup');
    const after = jc.schedule.every !== undefined && last ? Date.parse(last.startedAt) : Date.now();
    const next = schedule.next(after);
    schedule.stop();
    return Number.isFinite(next) ? Math.max(next, Date.now()) : undefined;
  }

  running(job: string): Active | undefined {
    return this.active.get(job);
  }

  isOverdue(job: string): boolean {
    return this.watch.isOverdue(job, 'backup');
  }

  /**
   * A run the schedule (or a change) made due: outside the job's window it waits for the window to open (one
   * waiting run per job); a change during the job's run makes one more run after it instead of a skipped one.
   */
  private due(job: string, kind: RunKind, trigger: Trigger, change = false): void {
    const jc = this.config.jobs[job];
    if (this.stopping || !jc) return;
    if (change && this.active.has(job)) {
      this.changedDuringRun.add(job);
      return;
    }
    const wait = jc.window === undefined ? 0 : windowWaitMs(jc.window, new Date());
    if (wait === 0) {
      void this.trigger(job, kind, trigger);
      return;
    }
    if (this.windowWaits.has(job)) return;
    this.logger.info({ job, kind }, `${kind} of job ${job} waits ${Math.ceil(wait / 1000)} s for its window`);
    const timer = setTimeout(() => {
      this.windowWaits.delete(job);
      this.due(job, kind, trigger);
    }, wait);
    this.windowWaits.set(job, timer);
  }

  /**
   * Starts a run of the job unless one runs already (then a skipped run is recorded and undefined returned).
   * Resolves to the run id once the run's row exists.
   */
  trigger(job: string, kind: RunKind, trigger: Trigger): Promise<number> | undefined {
    if (this.stopping || !(job in this.config.jobs)) return undefined;
    const busy = this.active.get(job);
    if (busy) {
      const why = `a ${busy.kind} run of this job (run ${busy.runId ?? '?'}) was still running`;
      this.runs.skipped({ job, kind, trigger, at: Date.now() }, why);
      this.logger.warn({ job, kind }, `${kind} of job ${job} skipped: ${why}`);
      return undefined;
    }
    const ctx = this.runnerContext(job);
    return this.track(
      job,
      kind,
      (signal, onStart) =>
        !this.opts.inProcess && needsChild(this.config.jobs[job]!)
          ? runInChild(
              ctx,
              this.loaded.file,
              this.opts.env ?? process.env,
              { job, kind, trigger },
              signal,
              onStart,
            )
          : kind === 'drill'
            ? runDrillJob(ctx, job, trigger, signal, onStart)
            : runBackupJob(ctx, job, trigger, signal, onStart),
      () => this.afterRun(job, kind),
    );
  }

  /**
   * Starts a run on one repository that is not a job's backup (check, prune, a restore), recorded in the history
   * under `job` ('' for none) like the jobs' runs. One at a time per repository; check and prune (exclusive lock)
   * also wait for no job writing to it. @throws CairnError 'lock-failed' when busy.
   */
  runOnRepository(
    repository: string,
    kind: RunKind,
    job: string,
    body: (top: Top) => Promise<{ end: Omit<RunEnd, 'outcome' | 'at'>; problems: string[] }>,
  ): Promise<number> {
    const key = `repository:${repository}`;
    const busy =
      this.active.get(key) ??
      (kind === 'check' || kind === 'prune'
        ? [...this.active].find(
            ([j]) =>
              this.config.jobs[j] && jobRepositories(this.config.jobs[j]).some((r) => r.name === repository),
          )?.[1]
        : undefined);
    if (this.stopping) throw new CairnError('interrupted', 'The daemon is stopping.');
    if (busy)
      throw new CairnError(
        'lock-failed',
        `A ${busy.kind} run (run ${busy.runId ?? '?'}) is using repository ${repository}; try again when it has finished.`,
      );
    const ctx = this.runnerContext(job === '' ? undefined : job);
    return this.track(
      key,
      kind,
      (signal, onStart) => recordRun(ctx, { job, repository }, kind, 'api', signal, onStart, body),
      () => {
        if (kind === 'prune' && !this.stopping) void this.stats.refresh(repository);
      },
    );
  }

  /** Makes `start` the active run under `key` (a job, or `repository:NAME`); resolves to its run id once it has one. */
  private track(
    key: string,
    kind: RunKind,
    start: (signal: AbortSignal, onStart: (id: number) => void) => Promise<Run>,
    after: () => void,
  ): Promise<number> {
    const controller = new AbortController();
    let started!: (id: number) => void;
    let failed!: (err: unknown) => void;
    const runId = new Promise<number>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const active: Active = { kind, controller, done: Promise.resolve(undefined as unknown as Run) };
    this.active.set(key, active);
    const onStart = (id: number): void => {
      active.runId = id;
      started(id);
    };
    active.done = start(controller.signal, onStart).finally(() => {
      this.active.delete(key);
      after();
    });
    active.done.catch((err: unknown) => {
      failed(err);
      this.logger.error({ key }, `the run failed unexpectedly: ${errorMessageOf(err)}`);
    });
    return runId;
  }

  cancel(runId: number): boolean {
    for (const a of this.active.values()) {
      if (a.runId === runId) {
        a.controller.abort();
        return true;
      }
    }
    return false;
  }

  private afterRun(job: string, kind: RunKind): void {
    this.watch.afterRun(job, kind);
    if (this.changedDuringRun.delete(job)) this.due(job, 'backup', 'schedule', true);
    this.checkOverdue();
    const jc = this.config.jobs[job];
    // A backup writes (and its retention prunes) every repository of the job: their figures change. Only the serving
    // daemon (holding the data directory's lock) keeps figures; `cairn run` does not wait for them.
    if (kind === 'backup' && jc && this.lock && !this.stopping)
      for (const { name } of jobRepositories(jc)) void this.stats.refresh(name);
  }

  /** The app's dependencies and open options for work on one repository (the API's reads and the stats). */
  access(
    repository: string,
    signal: AbortSignal,
    extra: Partial<OpenOptions> = {},
  ): { deps: AppDeps; opts: OpenOptions } {
    const deps = this.runnerContext().deps((m) => this.logger.warn({ repository }, m));
    return { deps, opts: openOptions(this.config, this.dataDir, repository, signal, extra) };
  }

  /** Like `access`, for reads without a lock through the repository's open read session. */
  reader(repository: string, signal: AbortSignal): { deps: AppDeps; opts: OpenOptions } {
    const { deps, opts } = this.access(repository, signal, { noLock: true });
    return { deps, opts: { ...opts, shared: this.reads.get(this.config, repository) } };
  }

  /** The repository's snapshots, read without a lock (a view, not a decision) through its read session. */
  listSnapshots(repository: string): Promise<StoredSnapshot[]> {
    return this.reads.get(this.config, repository).listSnapshots();
  }

  /** Emits job-overdue once per job and kind whose last success is older than expected (see watch.ts). */
  checkOverdue(): void {
    this.watch.check(this.tasks);
  }

  private pruneHistory(): void {
    const keep = durationMs(this.config.history.keep)!;
    const removed = this.runs.pruneOlderThan(Date.now() - keep);
    if (removed > 0)
      this.logger.info(`removed ${removed} runs older than ${this.config.history.keep} from the history`);
  }

  /** Loads the config file again; a bad one keeps the current config and says why. Returns whether it changed. */
  async reload(): Promise<boolean> {
    let next: LoadedConfig;
    try {
      next = await loadConfig(this.loaded.file, this.opts.env);
    } catch (err) {
      this.logger.error(`the config was not reloaded, the previous one stays in use: ${errorMessageOf(err)}`);
      return false;
    }
    if (
      (next.config.data_dir ?? this.opts.dataDir) !== this.dataDir ||
      next.config.server.listen !== this.config.server.listen
    ) {
      this.logger.warn('data_dir and server.listen take effect only after a restart');
    }
    this.loaded = next;
    await this.reads.reconfigure(next.config);
    this.arm(false);
    for (const name of Object.keys(next.config.repositories))
      if (this.stats.figures(name) === undefined) void this.stats.refresh(name);
    this.logger.info(`reloaded ${next.file}: ${Object.keys(next.config.jobs).length} jobs`);
    return true;
  }

  /** Waits for every active run to finish. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  /** Stops the timers, aborts the runs (each releases its lock and leaves its repository valid) and closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.disarmAll();
    // A run waiting for its window survives a reload (it checks the new config when the window opens), not a stop.
    for (const t of this.windowWaits.values()) clearTimeout(t);
    this.watch.stop();
    for (const a of this.active.values()) a.controller.abort();
    await this.idle();
    await this.stats.stop();
    await this.reads.close();
    this.history?.close();
    this.lock?.release();
  }
}
