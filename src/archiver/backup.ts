import os from 'node:os';
import { CairnError, isCairnError, PROGRAM_VERSION, type Id, type Snapshot } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { formatTime, localTimeFormatter, saveSnapshot } from '../snapshot/index.js';
import { IdNames, type Source } from '../source/index.js';
import { Budget, maskCredentials, systemClock, type Clock } from '../util/index.js';
import { BlobPipeline } from './blob-pipeline.js';
import { makeTreeSaver, type WalkContext } from './context.js';
import { FileReader } from './file-reader.js';
import { StatusReporter } from './progress.js';
import { InlineSealer, WorkerSealer, type Sealer } from './sealer.js';
import { Stats } from './stats.js';
import type { BackupOptions, BackupResult, BackupSummary } from './types.js';
import { walkRoot } from './walk.js';
import { reportXattrProblems, startXattrs } from './xattrs.js';

/**
 * Files in progress at once. Small files travel to the workers in batches of up to 64, so fewer slots than two
 * batches leave a worker idle while the main thread waits for the other one (measured: 13.6 s with 32 slots,
 * 11.4 s with 128 on the bench set); their bytes are bounded separately (SMALL_BYTES_PER_WORKER).
 */
const FILE_SLOTS = 128;
const CHUNK_BUDGET_PER_WORKER = 8 << 20;
const SMALL_BYTES_PER_WORKER = 8 << 20;

/**
 * Backs up what `source` yields into `repo` and writes a snapshot, as `restic backup` does: data blobs and trees
 * first, `repo.flush()` (packs, then their index), the snapshot last. Unreadable items are reported in
 * `sourceErrors` and left out. The caller opens and closes the source. @throws what the source's `roots` throws
 * (CairnError 'source-unreadable' if a given path does not exist), the error of a failed stream producer,
 * 'interrupted' when `signal` aborts (the uploaded data's index is flushed so the next run can reuse it).
 */
export async function backup(repo: Repository, source: Source, opts: BackupOptions): Promise<BackupResult> {
  const clock = opts.clock ?? systemClock;
  const startNs = clock.nowNs();
  const roots = await source.roots(opts.signal);
  // Dedup and parent reuse need the index; loading is incremental, so a caller that already did pays one listing.
  await repo.loadIndex();

  const stop = new AbortController();
  const { ctx, sealer, pipeline, reporter } = createPipeline(repo, source, opts, stop.signal, clock);
  try {
    if (opts.onProgress && opts.statusEvents !== false) startScanner(source, reporter, ctx.signal);
    const xattrProblems = opts.xattrs !== false ? startXattrs(ctx) : [];
    const treeId = await walkRoot(ctx, roots, opts.parent?.tree);
    await reportXattrProblems(ctx, xattrProblems);
    if (!ctx.dryRun) await repo.flush();
    reporter.report();
    const endNs = clock.nowNs();
    const summary = makeSummary(ctx.stats, startNs, endNs);
    const snapshot = makeSnapshot(opts, opts.time ?? startNs, [...source.paths], treeId, summary);
    const result: BackupResult = {
      snapshot,
      summary,
      sourceErrors: ctx.sourceErrors.map((e) => ({ item: e.item, message: e.message })),
    };
    if (!ctx.dryRun) {
      result.snapshotId = await saveSnapshot(repo, snapshot);
      summary.snapshot_id = result.snapshotId;
    }
    return result;
  } catch (err) {
    const interrupted = opts.signal?.aborted === true;
    const reason = interrupted ? new CairnError('interrupted', 'The backup was interrupted.') : err;
    pipeline.stop(reason);
    stop.abort();
    await pipeline.drain();
    // As restic does on interrupt: write the index of what was uploaded, so the next run reuses it.
    if (interrupted && !ctx.dryRun) await repo.flush().catch(() => undefined);
    throw isCairnError(err) || !interrupted ? err : reason;
  } finally {
    reporter.stop();
    stop.abort();
    await sealer.close();
  }
}

/** The sealer (worker pool or inline), blob pipeline, reader, status reporter and walk context of one run. */
function createPipeline(
  repo: Repository,
  source: Source,
  opts: BackupOptions,
  stopSignal: AbortSignal,
  clock: Clock,
): { ctx: WalkContext; sealer: Sealer; pipeline: BlobPipeline; reporter: StatusReporter } {
  const signal = opts.signal ? AbortSignal.any([opts.signal, stopSignal]) : stopSignal;
  const workers = opts.workers ?? os.availableParallelism();
  const stats = new Stats();
  const sealer: Sealer = workers > 0 ? new WorkerSealer(repo.codec, workers) : new InlineSealer(repo.codec);
  const budget = new Budget(Math.max(2, workers) * CHUNK_BUDGET_PER_WORKER);
  const pipeline = new BlobPipeline(repo, sealer, budget, stats, opts.dryRun ?? false);
  const reader = new FileReader(repo.config.chunkerPolynomial, pipeline, signal, {
    largeFiles: new Budget(Math.max(2, workers)),
    smallBytes: new Budget(Math.max(2, workers) * SMALL_BYTES_PER_WORKER),
  });
  const current = new Set<string>();
  const statusListener = opts.statusEvents === false ? undefined : opts.onProgress;
  const reporter = new StatusReporter(statusListener, stats, current, clock, opts.progressInterval ?? 250);
  const ctx: WalkContext = {
    repo,
    source,
    names: new IdNames(),
    reader,
    pipeline,
    stats,
    fileSlots: new Budget(FILE_SLOTS),
    sourceErrors: [],
    xattrs: undefined,
    force: opts.force ?? false,
    change: opts.change ?? {},
    formatTime: localTimeFormatter(),
    dryRun: opts.dryRun ?? false,
    signal,
    clock,
    current,
    emit: (e) => opts.onProgress?.(e),
    saveTree: makeTreeSaver(repo, stats, opts.dryRun ?? false),
    hooks: opts.hooks,
  };
  return { ctx, sealer, pipeline, reporter };
}

/** Progress totals from the source's counting walk (restic's scanner), if it has one. */
function startScanner(source: Source, reporter: StatusReporter, signal: AbortSignal): void {
  source.scan?.((t) => reporter.setTotals(t, false), signal).then(
    (t) => reporter.setTotals(t, true),
    () => undefined,
  );
}

function makeSummary(stats: Stats, startNs: bigint, endNs: bigint): BackupSummary {
  return {
    backup_start: formatTime(startNs),
    backup_end: formatTime(endNs),
    files_new: stats.files_new,
    files_changed: stats.files_changed,
    files_unmodified: stats.files_unmodified,
    dirs_new: stats.dirs_new,
    dirs_changed: stats.dirs_changed,
    dirs_unmodified: stats.dirs_unmodified,
    data_blobs: stats.data_blobs,
    tree_blobs: stats.tree_blobs,
    data_added: stats.data_added,
    data_added_packed: stats.data_added_packed,
    total_files_processed: stats.total_files_processed,
    total_bytes_processed: stats.total_bytes_processed,
    total_duration: Number(endNs - startNs) / 1e9,
  };
}

function makeSnapshot(opts: BackupOptions, timeNs: bigint, paths: string[], tree: Id, summary: BackupSummary): Snapshot {
  const snap: Snapshot = {
    time: formatTime(timeNs),
    tree,
    // A source named by a URL (a database, a command's argument) must not store its password in the snapshot.
    paths: paths.map(maskCredentials),
    hostname: opts.hostname,
    username: opts.username ?? safeUsername(),
  };
  if (opts.parent) snap.parent = opts.parent.id;
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid !== undefined) snap.uid = uid;
  if (gid !== undefined) snap.gid = gid;
  if (opts.excludes?.length) snap.excludes = [...opts.excludes];
  if (opts.tags?.length) snap.tags = opts.tags.map(maskCredentials);
  snap.program_version = PROGRAM_VERSION;
  const stored: Partial<BackupSummary> = { ...summary };
  delete stored.total_duration;
  delete stored.snapshot_id;
  snap.summary = stored as Snapshot['summary'] & object;
  return snap;
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '';
  }
}
