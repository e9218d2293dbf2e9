import { mkdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { throwIfAborted, CairnError, errnoCode, fsPathOf, type Id, type ProgressListener, type StoredSnapshot, type TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { resolveTreePath } from '../snapshot/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { InlineOpener, WorkerOpener } from './blob-opener.js';
import { createSpecial, makeMetaContext, restorePathMeta, type MetaContext } from './metadata.js';
import { OpenFiles, openFileBudget } from './open-files.js';
import { planRestore, type PlannedFile, type PlannedOther, type RestorePlan } from './plan.js';
import { clearPath, ensureRealDir, fsPath } from './safe-fs.js';
import { makeSelector, onlyPaths, type SelectionOptions } from './selection.js';
import { verifyEntries, verifyRestore, type VerifyFailure } from './verify.js';
import { guard, writeFiles, type WriteContext } from './write-files.js';

export interface RestoreOptions extends SelectionOptions {
  /** Folder to restore into; created if missing. */
  target: string;
  /** A path inside the snapshot to restore instead of the whole tree (restic's `snapshot:subfolder`). */
  subPath?: string;
  /** Restore only these entries (paths inside the restored tree, as `/dir/file`) and the folders above them. */
  only?: ReadonlySet<string>;
  /** Read every restored file back and compare it with the snapshot's blobs. */
  verify?: boolean;
  /** With `verify`: also compare mode, modification time, symlink targets and (as root) owners of every entry. */
  verifyMetadata?: boolean;
  /** Only count what would be restored. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  clock?: Clock;
  /** Unused since files are written pack by pack; kept for callers that still pass it. */
  parallelFiles?: number;
  /** Pack reads in flight, each up to 4 MiB plus its plaintexts (default: workers + 1). */
  parallelLoads?: number;
  /** Threads that decrypt, decompress and verify blobs (default: one per core; 0 = in this thread). */
  workers?: number;
  /** Leave all-zero blobs as holes in the restored files (restic's `--sparse`). */
  sparse?: boolean;
  /** Restored files open at once (default: a quarter of the open-file limit, at most 256). */
  openFiles?: number;
}

export interface RestoreResult {
  /** Non-directory entries restored: files, hard links, symlinks, fifos, devices. */
  filesRestored: number;
  dirsRestored: number;
  bytesRestored: number;
  errors: { item: string; message: string }[];
  /** Restored entries that do not match the snapshot. */
  verifyFailures: VerifyFailure[];
  /** With `verify`: the non-directory entries and the bytes of files that were checked. */
  filesVerified: number;
  bytesVerified: number;
  /** Time spent restoring (planning and writing, not verifying). */
  seconds: number;
}

/** Largest single read from a pack: bounds the memory of each read in flight. */
const MAX_RANGE = 4 * 1024 * 1024;
/** Workers load only from compiled .js; under a TypeScript loader (vitest) blobs are opened in this thread. */
const CAN_USE_WORKERS = import.meta.url.endsWith('.js');

/** Restores a snapshot (or a path inside it) into `opts.target`, never writing outside it. */
export async function restore(repo: Repository, snapshot: StoredSnapshot, opts: RestoreOptions): Promise<RestoreResult> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const { root, rootDir } = await resolveRoot(repo, snapshot, opts.subPath);
  const result: RestoreResult = {
    filesRestored: 0,
    dirsRestored: 0,
    bytesRestored: 0,
    errors: [],
    verifyFailures: [],
    filesVerified: 0,
    bytesVerified: 0,
    seconds: 0,
  };
  const warn = (item: string, message: string): void => {
    result.errors.push({ item, message });
    opts.onProgress?.({ kind: 'warning', message: `${item}: ${message}` });
  };
  // Every walk meets an unreadable folder again: it is one error, reported by the walk that first meets it.
  const unreadable = new Set<string>();
  const onUnreadable = (loc: string, message: string): void => {
    if (unreadable.has(loc)) return;
    unreadable.add(loc);
    warn(loc, message);
  };
  // Files are never all kept: this walk counts them, and each later walk hands them over a round at a time.
  const select = opts.only === undefined ? makeSelector(opts) : onlyPaths(opts.only, makeSelector(opts));
  const walk = (onFiles: (files: PlannedFile[]) => Promise<void>): Promise<RestorePlan> =>
    planRestore(repo, snapshot, root, select, opts.signal, onFiles, onUnreadable);
  let fileCount = 0;
  const plan = await walk(async (files) => {
    fileCount += files.length;
  });
  const totals = { files: fileCount + plan.others.length, bytes: plan.totalBytes };
  if (opts.dryRun === true) {
    return { ...result, filesRestored: totals.files, dirsRestored: plan.dirs.length, bytesRestored: totals.bytes };
  }
  const target = resolve(opts.target);
  const createdTarget = await makeTarget(target);
  const meta = makeMetaContext(warn);
  const progress = makeProgress(clock, totals, result, opts.onProgress);
  const workers = CAN_USE_WORKERS ? (opts.workers ?? os.availableParallelism()) : 0;
  const sparse = opts.sparse === true;
  const ctx: WriteContext = {
    target,
    repo,
    opener: workers > 0 ? new WorkerOpener(repo.codec, workers, sparse, meta.isRoot) : new InlineOpener(repo.codec, sparse, meta.isRoot),
    meta,
    signal: opts.signal,
    // Remote stores answer with latency: keep as many reads in flight as the backend has connections.
    parallelReads: opts.parallelLoads ?? Math.max(2, workers + 1, repo.connections ?? 0),
    maxRange: MAX_RANGE,
    files: new OpenFiles(opts.openFiles ?? openFileBudget()),
    sparse,
    onBytes: (n) => {
      result.bytesRestored += n;
      progress(false);
    },
    onFileDone: () => {
      result.filesRestored++;
      progress(false);
    },
  };
  try {
    for (const dir of plan.dirs) {
      throwIfAborted(opts.signal);
      await ensureRealDir(fsPath(target, dir.rel));
    }
    for (const other of plan.others) await guard(other.loc, ctx, () => createOther(target, other, meta));
    const failed = new Set<PlannedFile>();
    await walk((files) => writeFiles(files, ctx, failed));
  } finally {
    await ctx.opener.close();
  }
  for (let i = plan.dirs.length - 1; i >= 0; i--) {
    const dir = plan.dirs[i]!;
    await restorePathMeta(fsPath(target, dir.rel), dir.loc, dir.node, meta);
    result.dirsRestored++;
  }
  // `SNAP:DIR` into a folder made here: it gets DIR's mode (an existing target is the user's and stays as it is).
  if (createdTarget && rootDir !== undefined) await restorePathMeta(target, rootDir.loc, rootDir.node, meta);
  progress(true);
  result.seconds = (clock.now() - started) / 1000;
  if (opts.verify === true) {
    const check = opts.verifyMetadata === true ? { isRoot: meta.isRoot } : undefined;
    const planned = await walk(async (files) => {
      result.verifyFailures.push(...(await verifyRestore(repo, target, files, opts.signal, check)));
      result.filesVerified += files.length;
    });
    result.filesVerified += planned.others.length;
    result.bytesVerified = planned.totalBytes;
    if (check !== undefined) {
      const entries = [...planned.others, ...planned.dirs.filter((d) => d.meta)];
      result.verifyFailures.push(...(await verifyEntries(target, entries, check, opts.signal)));
    }
  }
  return result;
}

/**
 * Creates the target and its missing parents 0700, as restic does, so nothing restored is open to others before its
 * own mode is set; says whether the target itself was created. Node's recursive mkdir reports ENOENT for whatever
 * failed below the last existing folder (a read-only file system, no permission): then the levels are created one
 * by one, so that the error says what went wrong.
 */
async function makeTarget(target: string): Promise<boolean> {
  try {
    return (await mkdir(target, { recursive: true, mode: 0o700 })) !== undefined;
  } catch (err) {
    const parent = dirname(target);
    if (errnoCode(err) !== 'ENOENT' || parent === target) throw err;
    await makeTarget(parent);
    return mkdir(target, { mode: 0o700 }).then(
      () => true,
      (again: unknown) => {
        if (errnoCode(again) !== 'EEXIST') throw again;
        return false;
      },
    );
  }
}

interface RestoreRoot {
  root: { treeId: Id } | { node: TreeNode };
  /** The folder `SNAP:DIR` names, whose metadata the target takes. */
  rootDir?: { node: TreeNode; loc: string };
}

async function resolveRoot(repo: Repository, snapshot: StoredSnapshot, subPath: string | undefined): Promise<RestoreRoot> {
  if (subPath === undefined || subPath === '' || subPath === '/') return { root: { treeId: snapshot.tree } };
  const node = await resolveTreePath(repo, snapshot.tree, subPath);
  if (node === undefined) {
    throw new CairnError('not-found', `The path ${subPath} does not exist in snapshot ${snapshot.id.slice(0, 8)}.`);
  }
  if (node.type === 'dir' && node.subtree !== undefined) {
    return { root: { treeId: node.subtree }, rootDir: { node, loc: subPath } };
  }
  return { root: { node } };
}

async function createOther(target: string, other: PlannedOther, meta: MetaContext): Promise<boolean> {
  const path = fsPath(target, other.rel);
  const node = other.node;
  await clearPath(path);
  if (node.type === 'symlink') await symlink(fsPathOf(node.linktarget ?? ''), path);
  else if (!(await createSpecial(path, other.loc, node, meta))) return false;
  await restorePathMeta(path, other.loc, node, meta);
  return true;
}

function makeProgress(
  clock: Clock,
  totals: { files: number; bytes: number },
  result: RestoreResult,
  onProgress: ProgressListener | undefined,
): (final: boolean) => void {
  const start = clock.now();
  let last = start;
  return (final) => {
    if (onProgress === undefined) return;
    const now = clock.now();
    if (!final && now - last < 1000) return;
    last = now;
    onProgress({
      kind: 'restore-status',
      secondsElapsed: (now - start) / 1000,
      percentDone: totals.bytes > 0 ? Math.min(1, result.bytesRestored / totals.bytes) : final ? 1 : 0,
      totalFiles: totals.files,
      filesRestored: result.filesRestored,
      totalBytes: totals.bytes,
      bytesRestored: result.bytesRestored,
    });
  };
}
