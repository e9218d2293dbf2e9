import { link } from 'node:fs/promises';
import { CairnError, errnoCode, isCairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { abortIfNeeded, forEachLimit } from './abort.js';
import type { BlobOpener, SealedSlice } from './blob-opener.js';
import { restoreFileMeta, type MetaContext } from './metadata.js';
import { planPackReads, type FileTask, type PackRange, type PlannedBlob } from './pack-plan.js';
import type { PlannedFile } from './plan.js';
import { clearPath, FdFile, fsPath } from './safe-fs.js';

export interface WriteContext {
  target: string;
  repo: Repository;
  opener: BlobOpener;
  meta: MetaContext;
  signal: AbortSignal | undefined;
  /** Pack reads in flight (each up to `maxRange` bytes, plus its plaintexts). */
  parallelReads: number;
  maxRange: number;
  onBytes: (n: number) => void;
  onFileDone: () => void;
}

/**
 * Writes every planned file, pack by pack: each range of a pack is read once, its blobs are opened and verified (in
 * workers) and written to every file and offset that needs them; a file gets its metadata when its last blob is in.
 * Then creates the hard links.
 */
export async function writeFiles(files: readonly PlannedFile[], ctx: WriteContext): Promise<void> {
  const primary = files.filter((f) => f.linkTo === undefined);
  const { tasks, ranges } = planPackReads(ctx.repo, primary, (f) => fsPath(ctx.target, f.rel), ctx.maxRange);
  try {
    for (const task of tasks) {
      if (task.missing !== undefined) await failTask(task, new CairnError('not-found', task.missing), ctx);
      else if (task.pending === 0) await writeEmpty(task, ctx);
    }
    await forEachLimit(ranges, ctx.parallelReads, (range) => restoreRange(range, ctx));
  } finally {
    // Only after an interruption or a fatal error are files still open.
    for (const task of tasks) if (task.fh !== undefined) await closeQuietly(task.fh);
  }
  const failed = new Set(tasks.filter((t) => t.failed || t.pending > 0).map((t) => t.file));
  for (const file of files) {
    if (file.linkTo === undefined) continue;
    const first = file.linkTo;
    if (failed.has(first)) {
      ctx.meta.warn(file.loc, `hard link not created: its first name ${first.loc} failed`);
      continue;
    }
    await guard(file.loc, ctx, async () => {
      const path = fsPath(ctx.target, file.rel);
      await clearPath(path);
      await link(fsPath(ctx.target, first.rel), path);
    });
  }
}

/** Runs one item's work; item-level failures become warnings, while interruption and a full disk stop the restore. */
export async function guard(
  loc: string,
  ctx: Pick<WriteContext, 'signal' | 'meta' | 'onFileDone'>,
  work: () => Promise<boolean | void>,
): Promise<boolean> {
  abortIfNeeded(ctx.signal);
  try {
    // `false` = skipped with a warning already given: not counted as restored.
    if ((await work()) === false) return true;
    ctx.onFileDone();
    return true;
  } catch (err) {
    rethrowFatal(loc, err);
    ctx.meta.warn(loc, err instanceof Error ? err.message : String(err));
    return false;
  }
}

function rethrowFatal(loc: string, err: unknown): void {
  if (isCairnError(err, 'interrupted')) throw err;
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    throw new CairnError('no-space', `The restore target ran out of space while writing ${loc}.`, { cause: err });
  }
}

async function restoreRange(range: PackRange, ctx: WriteContext): Promise<void> {
  abortIfNeeded(ctx.signal);
  const blobs = range.blobs.filter((b) => b.uses.some((u) => !u.task.failed));
  if (blobs.length === 0) return;
  const slices: SealedSlice[] = blobs.map((b) => {
    const s: SealedSlice = { id: b.id, offset: b.entry.offset - range.offset, length: b.entry.length };
    if (b.entry.uncompressedLength !== undefined) s.uncompressedLength = b.entry.uncompressedLength;
    return s;
  });
  let opened: ({ data: Buffer } | { error: string })[];
  try {
    opened = await ctx.opener.open(await ctx.repo.readPackRange(range.packId, range.offset, range.length), slices);
  } catch (err) {
    if (isCairnError(err, 'interrupted')) throw err;
    opened = blobs.map(() => ({ error: 'unreadable' }));
  }
  const writes: { blob: PlannedBlob; data: Buffer }[] = [];
  for (let i = 0; i < blobs.length; i++) {
    const blob = blobs[i]!;
    const res = opened[i]!;
    const data = 'data' in res ? res.data : await loadElsewhere(blob, ctx);
    if (data !== undefined) writes.push({ blob, data });
  }
  const uses = writes.flatMap(({ blob, data }) => blob.uses.map((use) => ({ use, data })));
  for (const { use, data } of uses) await writeUse(use.task, use.offset, data, ctx);
}

/** A blob that failed here: the repository tries every copy and says what is wrong; its files fail if none works. */
async function loadElsewhere(blob: PlannedBlob, ctx: WriteContext): Promise<Buffer | undefined> {
  try {
    return await ctx.repo.loadBlob('data', blob.id);
  } catch (err) {
    for (const use of blob.uses) await failTask(use.task, err, ctx);
    return undefined;
  }
}

async function writeUse(task: FileTask, offset: number, data: Buffer, ctx: WriteContext): Promise<void> {
  if (task.failed) return;
  try {
    abortIfNeeded(ctx.signal);
    const fh = await (task.fh ??= FdFile.create(task.path));
    fh.writeAll(data, offset);
    task.written += data.length;
    ctx.onBytes(data.length);
    if (--task.pending === 0) await finishTask(task, fh, ctx);
  } catch (err) {
    await failTask(task, err, ctx);
  }
}

async function writeEmpty(task: FileTask, ctx: WriteContext): Promise<void> {
  try {
    abortIfNeeded(ctx.signal);
    await finishTask(task, await (task.fh = FdFile.create(task.path)), ctx);
  } catch (err) {
    await failTask(task, err, ctx);
  }
}

async function finishTask(task: FileTask, fh: FdFile, ctx: WriteContext): Promise<void> {
  const { file } = task;
  if (file.node.size !== undefined && task.written !== file.node.size) {
    ctx.meta.warn(file.loc, `restored ${task.written} bytes but the snapshot records a size of ${file.node.size}`);
  }
  await restoreFileMeta(fh, task.path, file.loc, file.node, ctx.meta);
  task.fh = undefined;
  fh.close();
  ctx.onFileDone();
}

/** The first failure of a file is its warning; interruption and a full disk stop the whole restore. */
async function failTask(task: FileTask, err: unknown, ctx: WriteContext): Promise<void> {
  rethrowFatal(task.file.loc, err);
  if (task.failed) return;
  task.failed = true;
  ctx.meta.warn(task.file.loc, err instanceof Error ? err.message : String(err));
  if (task.fh !== undefined) {
    const fh = task.fh;
    task.fh = undefined;
    await closeQuietly(fh);
  }
}

async function closeQuietly(fh: Promise<FdFile>): Promise<void> {
  await fh.then((h) => h.close()).catch(() => undefined);
}
