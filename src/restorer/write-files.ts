import { link } from 'node:fs/promises';
import { throwIfAborted, CairnError, errnoCode, isCairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { isAllZero, type BlobOpener, type PlaintextWrite, type SealedSlice, type WriteOutcome } from './blob-opener.js';
import { restoreFileMeta, type MetaContext } from './metadata.js';
import type { OpenFiles } from './open-files.js';
import { planPackReads, SEAL_OVERHEAD, type BlobUse, type FileTask, type PackRange, type PlannedBlob } from './pack-plan.js';
import { pickWholeFiles, WHOLE_FILES_PER_JOB, type WholeFile, type WholeOutcome } from './whole-files.js';
import type { PlannedFile } from './plan.js';
import { clearPath, fsPath, type FdFile } from './safe-fs.js';
import { forEachLimit } from '../util/index.js';

export interface WriteContext {
  target: string;
  repo: Repository;
  opener: BlobOpener;
  meta: MetaContext;
  signal: AbortSignal | undefined;
  /** Pack reads in flight (each up to `maxRange` bytes, plus its plaintexts). */
  parallelReads: number;
  maxRange: number;
  /** The restored files open at once (bounded whatever the number of files). */
  files: OpenFiles;
  /** Leave runs of zeros as holes: all-zero blobs are not written and each file is truncated to its full size. */
  sparse: boolean;
  onBytes: (n: number) => void;
  onFileDone: () => void;
}

/**
 * Writes planned files, pack by pack: each range of a pack is read once, its blobs are opened and verified (in
 * workers) and written to every file and offset that needs them; a file gets its metadata when its last blob is in.
 * Then creates the hard links. Called once per round of files; `failed` carries the files that failed across
 * rounds (a later hard link to them is not created).
 */
export async function writeFiles(files: readonly PlannedFile[], ctx: WriteContext, failed = new Set<PlannedFile>()): Promise<void> {
  const primary = files.filter((f) => f.linkTo === undefined);
  const { tasks, ranges } = planPackReads(ctx.repo, primary, (f) => fsPath(ctx.target, f.rel), ctx.maxRange);
  try {
    for (const task of tasks) {
      if (task.missing !== undefined) await failTask(task, new CairnError('not-found', task.missing), ctx);
      else if (task.pending === 0) await writeEmpty(task, ctx);
    }
    await forEachLimit(ranges, ctx.parallelReads, (range) => restoreRange(range, ctx));
  } finally {
    // Only after an interruption or a fatal error are files still open (and then no write is in flight).
    await ctx.files.closeAll(tasks);
  }
  for (const t of tasks) if (t.failed || t.pending > 0) failed.add(t.file);
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
  throwIfAborted(ctx.signal);
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

/** Writes of one worker job: blobs of one pack read, each to some of the files that need it. */
interface Batch {
  slices: SealedSlice[];
  /** Index in `blobs` → index in `slices`. */
  sliceOf: Map<number, number>;
  writes: PlaintextWrite[];
  targets: { blob: number; use: BlobUse }[];
  /** The files the job makes whole, and their index there. */
  files: WholeFile[];
  fileOf: Map<FileTask, number>;
}

const newBatch = (): Batch => ({ slices: [], sliceOf: new Map(), writes: [], targets: [], files: [], fileOf: new Map() });

/**
 * Reads one range of a pack and writes its blobs. The files to write go to a worker job together; when no more of
 * them may be opened, the job is sent with the files it has, and the rest follow in the next jobs.
 */
async function restoreRange(range: PackRange, ctx: WriteContext): Promise<void> {
  throwIfAborted(ctx.signal);
  const blobs = range.blobs.filter((b) => b.uses.some((u) => !u.task.failed));
  if (blobs.length === 0) return;
  /** Per blob: uses not written because the blob could not be read or opened here. */
  const unwritten = new Map<number, BlobUse[]>();
  let raw: Buffer | undefined;
  try {
    raw = await ctx.repo.readPackRange(range.packId, range.offset, range.length);
  } catch (err) {
    if (isCairnError(err, 'interrupted')) throw err;
    blobs.forEach((b, i) => unwritten.set(i, b.uses.slice()));
  }
  if (raw !== undefined) {
    // A job holds at most an eighth of the restore's open-file budget (one at a time for files of one blob).
    const whole = pickWholeFiles(blobs, Math.floor(ctx.files.capacity / 8));
    const { batches, others } = wholeBatches(blobs, range, whole);
    // Whole files need no descriptor of this thread: their jobs go at once, one after the other, the last one with
    // the read itself if nothing else needs it.
    const wholeJob =
      batches.length === 0
        ? undefined
        : (async () => {
            for (let b = 0; b < batches.length; b++) {
              await runBatch(batches[b]!, raw, blobs, !others && b === batches.length - 1, unwritten, ctx);
            }
          })();
    // Awaited below; until then its failure must not count as unhandled.
    wholeJob?.catch(() => undefined);
    let batch = newBatch();
    try {
      for (let i = 0; i < blobs.length && others; i++) {
        for (const use of blobs[i]!.uses) {
          if (whole.has(use.task)) continue;
          let fh: FdFile | undefined;
          while (!use.task.failed) {
            fh = await pinFile(use.task, ctx);
            if (fh !== undefined || use.task.failed) break;
            // No room: send what is planned (its files come back unpinned), or wait for another range's job.
            if (batch.writes.length === 0) await ctx.files.wait();
            else await runBatch(takeBatch(), raw, blobs, false, unwritten, ctx);
          }
          if (fh === undefined) continue;
          addWrite(batch, i, blobs[i]!, range, use, fh);
        }
      }
      if (batch.writes.length > 0) await runBatch(takeBatch(), raw, blobs, true, unwritten, ctx);
    } finally {
      // Pins of writes never sent (an error on the way) must not hold their files open.
      for (const t of batch.targets) ctx.files.unpin(t.use.task);
      await wholeJob?.catch(() => undefined);
    }
    await wholeJob;
    function takeBatch(): Batch {
      const sent = batch;
      batch = newBatch();
      return sent;
    }
  }
  // Blobs that could not be opened here are loaded on their own: the repository tries every copy.
  for (const [i, uses] of unwritten) {
    const data = await loadElsewhere(blobs[i]!, uses, ctx);
    if (data !== undefined) for (const use of uses) await writeUse(use.task, use.offset, data, ctx);
  }
}

/** Pins the task's file, or fails the task; undefined when there is no room (or the task failed). */
async function pinFile(task: FileTask, ctx: WriteContext): Promise<FdFile | undefined> {
  try {
    throwIfAborted(ctx.signal);
    return await ctx.files.pin(task);
  } catch (err) {
    await failTask(task, err, ctx);
    return undefined;
  }
}

function addWrite(batch: Batch, blob: number, planned: PlannedBlob, range: PackRange, use: BlobUse, fh: FdFile): void {
  batch.writes.push({ slice: sliceFor(batch, blob, planned, range), fd: fh.fd, position: use.offset });
  batch.targets.push({ blob, use });
}

/**
 * The jobs of a read's whole files, each with up to WHOLE_FILES_PER_JOB of them (a new job starts only where no file
 * of the last one has blobs still to come); `others` = some blobs also go to files that are not whole.
 */
function wholeBatches(blobs: readonly PlannedBlob[], range: PackRange, whole: Map<FileTask, number>): { batches: Batch[]; others: boolean } {
  const batches: Batch[] = [];
  let batch = newBatch();
  let others = false;
  /** The last blob of any file in `batch`. */
  let reach = -1;
  blobs.forEach((blob, i) => {
    if (batch.files.length >= WHOLE_FILES_PER_JOB && reach < i) {
      batches.push(batch);
      batch = newBatch();
    }
    for (const use of blob.uses) {
      const last = whole.get(use.task);
      if (last !== undefined) {
        addWholeWrite(batch, i, blob, range, use);
        reach = Math.max(reach, last);
      } else if (!use.task.failed) others = true;
    }
  });
  if (batch.writes.length > 0) batches.push(batch);
  return { batches, others };
}

/** A write to a file the job creates and finishes itself. */
function addWholeWrite(batch: Batch, blob: number, planned: PlannedBlob, range: PackRange, use: BlobUse): void {
  const task = use.task;
  let file = batch.fileOf.get(task);
  if (file === undefined) {
    file = batch.files.length;
    batch.fileOf.set(task, file);
    const { uid, gid, mode, atime, mtime } = task.file.node;
    batch.files.push({ path: task.path, writes: 0, meta: mode === undefined ? { uid, gid, atime, mtime } : { uid, gid, mode, atime, mtime } });
  }
  batch.files[file]!.writes++;
  batch.writes.push({ slice: sliceFor(batch, blob, planned, range), file, position: use.offset });
  batch.targets.push({ blob, use });
}

/** The index of `blob`'s slice in the job, added on its first use. */
function sliceFor(batch: Batch, blob: number, planned: PlannedBlob, range: PackRange): number {
  let slice = batch.sliceOf.get(blob);
  if (slice === undefined) {
    slice = batch.slices.length;
    batch.sliceOf.set(blob, slice);
    const s: SealedSlice = { id: planned.id, offset: planned.entry.offset - range.offset, length: planned.entry.length };
    if (planned.entry.uncompressedLength !== undefined) s.uncompressedLength = planned.entry.uncompressedLength;
    batch.slices.push(s);
  }
  return slice;
}

/**
 * Runs one job. The last job of a range gets the read buffer itself (it may be transferred to a worker); an earlier
 * one gets a copy of the bytes its blobs span.
 */
async function runBatch(
  batch: Batch,
  raw: Buffer,
  blobs: readonly PlannedBlob[],
  last: boolean,
  unwritten: Map<number, BlobUse[]>,
  ctx: WriteContext,
): Promise<void> {
  let buffer = raw;
  let slices = batch.slices;
  if (!last) {
    const start = Math.min(...slices.map((s) => s.offset));
    const end = Math.max(...slices.map((s) => s.offset + s.length));
    buffer = Buffer.from(raw.buffer.slice(raw.byteOffset + start, raw.byteOffset + end));
    slices = slices.map((s) => ({ ...s, offset: s.offset - start }));
  }
  let outcome: WriteOutcome;
  try {
    outcome = await ctx.opener.openAndWrite(buffer, { slices, writes: batch.writes, files: batch.files });
  } catch {
    // The job's worker died (it writes no more): its writes are made again from this thread (a whole file it may have
    // created is created again: without an identity it is not reopened).
    outcome = {
      openErrors: slices.map(() => 'unreadable'),
      writeErrors: batch.writes.map(() => undefined),
      files: batch.files.map(() => ({ done: false })),
    };
  }
  const targets = batch.targets;
  batch.targets = [];
  for (let w = 0; w < targets.length; w++) {
    const { blob, use } = targets[w]!;
    const task = use.task;
    const file = batch.writes[w]!.file;
    if (file !== undefined) {
      await wholeWriteDone(use, blobs[blob]!, outcome.files[file]!, outcome.openErrors[batch.writes[w]!.slice] !== undefined, unwritten, blob, ctx);
      continue;
    }
    ctx.files.unpin(task);
    if (task.failed) {
      await ctx.files.close(task);
      continue;
    }
    if (outcome.openErrors[batch.writes[w]!.slice] !== undefined) {
      addUnwritten(unwritten, blob, use);
      continue;
    }
    const error = outcome.writeErrors[w];
    if (error !== undefined) await failTask(task, Object.assign(new Error(error.message), { code: error.code }), ctx);
    else await blobWritten(task, plainLength(blobs[blob]!), ctx);
  }
}

function addUnwritten(unwritten: Map<number, BlobUse[]>, blob: number, use: BlobUse): void {
  const list = unwritten.get(blob);
  if (list === undefined) unwritten.set(blob, [use]);
  else list.push(use);
}

/**
 * One write to a whole file has come back. A finished file is only counted; an unfinished one (a blob could not be
 * opened in the job) goes on like any other file: reopened by identity if the job created it.
 */
async function wholeWriteDone(
  use: BlobUse,
  planned: PlannedBlob,
  outcome: WholeOutcome,
  unopened: boolean,
  unwritten: Map<number, BlobUse[]>,
  blob: number,
  ctx: WriteContext,
): Promise<void> {
  const task = use.task;
  if (task.failed) return;
  if (outcome.error !== undefined) {
    await failTask(task, Object.assign(new Error(outcome.error.message), { code: outcome.error.code }), ctx);
    return;
  }
  if (outcome.identity !== undefined) task.identity ??= outcome.identity;
  if (unopened) {
    addUnwritten(unwritten, blob, use);
    return;
  }
  if (!outcome.done) {
    await blobWritten(task, plainLength(planned), ctx);
    return;
  }
  const length = plainLength(planned);
  task.written += length;
  ctx.onBytes(length);
  if (--task.pending > 0) return;
  checkSize(task, ctx);
  for (const warning of outcome.warnings ?? []) ctx.meta.warn(task.file.loc, warning);
  ctx.onFileDone();
}

/** The plaintext size of a blob, from its index entry. */
function plainLength(blob: PlannedBlob): number {
  return blob.entry.uncompressedLength ?? blob.entry.length - SEAL_OVERHEAD;
}

/** Counts a blob written to a file whose pin is already released; the last one finishes the file. */
async function blobWritten(task: FileTask, length: number, ctx: WriteContext): Promise<void> {
  if (task.failed) return;
  task.written += length;
  ctx.onBytes(length);
  if (--task.pending === 0) await finishTask(task, ctx);
}

/** A blob that failed here: the repository tries every copy and says what is wrong; its files fail if none works. */
async function loadElsewhere(blob: PlannedBlob, uses: readonly BlobUse[], ctx: WriteContext): Promise<Buffer | undefined> {
  try {
    return await ctx.repo.loadBlob('data', blob.id);
  } catch (err) {
    for (const use of uses) await failTask(use.task, err, ctx);
    return undefined;
  }
}

/** Writes a plaintext from this thread (a blob that could not be opened in the read it came with). */
async function writeUse(task: FileTask, offset: number, data: Buffer, ctx: WriteContext): Promise<void> {
  if (task.failed) return;
  try {
    throwIfAborted(ctx.signal);
    const fh = await ctx.files.pinWaiting(task);
    try {
      if (!(ctx.sparse && isAllZero(data))) fh.writeAll(data, offset);
    } finally {
      ctx.files.unpin(task);
    }
  } catch (err) {
    await failTask(task, err, ctx);
    return;
  }
  await blobWritten(task, data.length, ctx);
}

async function writeEmpty(task: FileTask, ctx: WriteContext): Promise<void> {
  try {
    throwIfAborted(ctx.signal);
    await finishTask(task, ctx);
  } catch (err) {
    await failTask(task, err, ctx);
  }
}

/**
 * Size check, holes at the end (sparse), metadata, close: the file's last write is in. The file is pinned meanwhile,
 * so that it is not closed to make room while its metadata is set (an empty file is created here).
 */
async function finishTask(task: FileTask, ctx: WriteContext): Promise<void> {
  const { file } = task;
  checkSize(task, ctx);
  const fh = await ctx.files.pinWaiting(task);
  try {
    // Skipped zero blobs at the end leave the file short: its length makes them a hole.
    if (ctx.sparse && task.written > 0) fh.truncate(task.written);
    await restoreFileMeta(fh, task.path, file.loc, file.node, ctx.meta);
  } finally {
    ctx.files.unpin(task);
  }
  await ctx.files.close(task);
  ctx.onFileDone();
}

function checkSize(task: FileTask, ctx: WriteContext): void {
  const { file } = task;
  if (file.node.size !== undefined && task.written !== file.node.size) {
    ctx.meta.warn(file.loc, `restored ${task.written} bytes but the snapshot records a size of ${file.node.size}`);
  }
}

/** The first failure of a file is its warning; interruption and a full disk stop the whole restore. */
async function failTask(task: FileTask, err: unknown, ctx: WriteContext): Promise<void> {
  rethrowFatal(task.file.loc, err);
  if (task.failed) return;
  task.failed = true;
  ctx.meta.warn(task.file.loc, err instanceof Error ? err.message : String(err));
  // A file still written to by a job in flight is closed when that job comes back (see runBatch).
  await ctx.files.close(task);
}
