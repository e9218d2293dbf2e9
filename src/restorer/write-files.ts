import { link } from 'node:fs/promises';
import { CairnError, errnoCode, isCairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { abortIfNeeded, forEachLimit } from './abort.js';
import type { BlobOpener, PlaintextWrite, SealedSlice, WriteOutcome } from './blob-opener.js';
import { restoreFileMeta, type MetaContext } from './metadata.js';
import { planPackReads, SEAL_OVERHEAD, type FileTask, type PackRange, type PlannedBlob } from './pack-plan.js';
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
  const writes: PlaintextWrite[] = [];
  const targets: { blob: PlannedBlob; task: FileTask }[] = [];
  for (let i = 0; i < blobs.length; i++) {
    for (const use of blobs[i]!.uses) {
      const fh = await openTask(use.task, ctx);
      if (fh === undefined) continue;
      writes.push({ slice: i, fd: fh.fd, position: use.offset });
      targets.push({ blob: blobs[i]!, task: use.task });
      use.task.writing++;
    }
  }
  if (writes.length === 0) return;
  let outcome: WriteOutcome;
  try {
    outcome = await ctx.opener.openAndWrite(await ctx.repo.readPackRange(range.packId, range.offset, range.length), slices, writes);
  } catch (err) {
    if (isCairnError(err, 'interrupted')) {
      for (const t of targets) t.task.writing--;
      throw err;
    }
    outcome = { openErrors: blobs.map(() => 'unreadable'), writeErrors: writes.map(() => undefined) };
  }
  for (let w = 0; w < writes.length; w++) {
    const { blob, task } = targets[w]!;
    task.writing--;
    if (task.failed) await closeIfIdle(task);
    if (task.failed || outcome.openErrors[writes[w]!.slice] !== undefined) continue;
    const error = outcome.writeErrors[w];
    if (error !== undefined) await failTask(task, Object.assign(new Error(error.message), { code: error.code }), ctx);
    else await blobWritten(task, plainLength(blob), ctx);
  }
  // Blobs that could not be opened here are loaded on their own: the repository tries every copy.
  for (let i = 0; i < blobs.length; i++) {
    if (outcome.openErrors[i] === undefined) continue;
    const data = await loadElsewhere(blobs[i]!, ctx);
    if (data !== undefined) for (const use of blobs[i]!.uses) await writeUse(use.task, use.offset, data, ctx);
  }
}

/** The plaintext size of a blob, from its index entry. */
function plainLength(blob: PlannedBlob): number {
  return blob.entry.uncompressedLength ?? blob.entry.length - SEAL_OVERHEAD;
}

/** The task's open file (created on its first write), or undefined if the task has failed. */
async function openTask(task: FileTask, ctx: WriteContext): Promise<FdFile | undefined> {
  if (task.failed) return undefined;
  try {
    abortIfNeeded(ctx.signal);
    return await (task.fh ??= FdFile.create(task.path));
  } catch (err) {
    await failTask(task, err, ctx);
    return undefined;
  }
}

async function blobWritten(task: FileTask, length: number, ctx: WriteContext): Promise<void> {
  if (task.failed) return;
  task.written += length;
  ctx.onBytes(length);
  if (--task.pending === 0) await finishTask(task, await task.fh!, ctx);
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
  const fh = await openTask(task, ctx);
  if (fh === undefined) return;
  try {
    fh.writeAll(data, offset);
  } catch (err) {
    await failTask(task, err, ctx);
    return;
  }
  await blobWritten(task, data.length, ctx);
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
  await closeIfIdle(task);
}

/**
 * Closes a failed task's file once no worker job writes to it any more: closing earlier would let the descriptor
 * number be reused by another file while a worker still writes to it.
 */
async function closeIfIdle(task: FileTask): Promise<void> {
  if (task.fh === undefined || task.writing > 0) return;
  const fh = task.fh;
  task.fh = undefined;
  await closeQuietly(fh);
}

async function closeQuietly(fh: Promise<FdFile>): Promise<void> {
  await fh.then((h) => h.close()).catch(() => undefined);
}
