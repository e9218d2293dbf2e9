import { errnoCode, type FsPath } from '../core/index.js';
import { setOwnerAndMode, setTimes, type FileMeta } from './metadata.js';
import type { FileTask, PlannedBlob } from './pack-plan.js';
import { FdFile, type FileIdentity } from './safe-fs.js';

/**
 * Small files are made whole by the job that writes them: a file whose blobs all come with one pack read is created,
 * written, given its owner, mode and times and closed in the worker, so that the main thread (which would otherwise
 * pay for each create, about 0.3 ms of inode allocation on ext4) only plans and counts.
 */

/** A file a job creates and finishes: `writes` of the job's writes go to it. */
export interface WholeFile {
  path: FsPath;
  writes: number;
  meta: FileMeta;
}

/** What became of a whole file. Not `done` and no `error`: some blob could not be opened; the file is unfinished. */
export interface WholeOutcome {
  done: boolean;
  error?: { code: string; message: string };
  /** An unfinished file that was created: which file it is, for reopening it (see FdFile.reopen). */
  identity?: FileIdentity;
  /** Owner, mode or times that could not be set on a finished file. */
  warnings?: string[];
}

/** Whole files per job: keeps each job's message, and the worker's heap, small; more jobs also spread over the workers. */
export const WHOLE_FILES_PER_JOB = 256;

/**
 * The tasks of one pack read that a job can make whole (with the index of each one's last blob): not started, every remaining blob in this read, no extended
 * attributes (set by a tool, on the main thread). Reading the blobs in order, no more than `maxOpen` of those with
 * several blobs are open at once in the worker (each from its first blob to its last); the others are left to the
 * main thread's bounded set of open files.
 */
export function pickWholeFiles(blobs: readonly PlannedBlob[], maxOpen: number): Map<FileTask, number> {
  const seen = new Map<FileTask, { uses: number; last: number }>();
  blobs.forEach((blob, i) => {
    for (const { task } of blob.uses) {
      const s = seen.get(task);
      if (s === undefined) seen.set(task, { uses: 1, last: i });
      else {
        s.uses++;
        s.last = i;
      }
    }
  });
  /** Picked task → index of its last blob. */
  const picked = new Map<FileTask, number>();
  const closing = new Map<number, number>();
  let open = 0;
  blobs.forEach((blob, i) => {
    for (const { task } of blob.uses) {
      const s = seen.get(task)!;
      if (s.uses < 0) continue; // decided already
      const uses = s.uses;
      s.uses = -1;
      const spans = s.last > i;
      if (!startable(task, uses) || (spans && open >= maxOpen)) continue;
      picked.set(task, s.last);
      if (spans) {
        open++;
        closing.set(s.last, (closing.get(s.last) ?? 0) + 1);
      }
    }
    open -= closing.get(i) ?? 0;
  });
  return picked;
}

function startable(task: FileTask, usesHere: number): boolean {
  return (
    !task.failed &&
    task.fh === undefined &&
    task.identity === undefined &&
    task.written === 0 &&
    task.pending === usesHere &&
    (task.file.node.extended_attributes?.length ?? 0) === 0
  );
}

interface Progress {
  file: WholeFile;
  fh?: FdFile | undefined;
  left: number;
  written: number;
  /** A blob of it could not be opened here: it is closed unfinished. */
  short: boolean;
  out: WholeOutcome;
}

/** The worker side: creates each file at its first write and finishes it at its last. */
export class WholeFileWriter {
  private readonly files: Progress[];

  constructor(
    files: readonly WholeFile[],
    private readonly isRoot: boolean,
    private readonly sparse: boolean,
  ) {
    this.files = files.map((file) => ({ file, left: file.writes, written: 0, short: false, out: { done: false } }));
  }

  /** One write to file `index`: `plain` undefined = its blob could not be opened; `skip` = all zeros (sparse). */
  write(index: number, plain: Uint8Array | undefined, position: number, skip: boolean): void {
    const f = this.files[index]!;
    if (plain === undefined) f.short = true;
    else if (f.out.error === undefined) {
      try {
        f.fh ??= FdFile.createNow(pathOf(f.file.path));
        if (!skip) f.fh.writeAll(plain, position);
        f.written += plain.length;
      } catch (err) {
        this.fail(f, err);
      }
    }
    if (--f.left === 0) this.finish(f);
  }

  /** The outcome of every file; one still waiting for writes (none should) is closed unfinished. */
  outcomes(): WholeOutcome[] {
    for (const f of this.files) {
      if (f.left > 0) {
        f.short = true;
        f.left = 0;
        this.finish(f);
      }
    }
    return this.files.map((f) => f.out);
  }

  private finish(f: Progress): void {
    const fh = f.fh;
    if (fh === undefined || f.out.error !== undefined) return;
    try {
      if (f.short) {
        f.out.identity = fh.identity();
      } else {
        // Skipped zero blobs at the end leave the file short: its length makes them a hole.
        if (this.sparse && f.written > 0) fh.truncate(f.written);
        const warnings = [setOwnerAndMode(fh, f.file.meta, this.isRoot), setTimes(fh, f.file.meta)].filter((w) => w !== undefined);
        if (warnings.length > 0) f.out.warnings = warnings;
      }
      f.fh = undefined;
      fh.close();
      f.out.done = !f.short;
    } catch (err) {
      this.fail(f, err);
    }
  }

  private fail(f: Progress, err: unknown): void {
    f.out = { done: false, error: { code: errnoCode(err) ?? 'EIO', message: err instanceof Error ? err.message : String(err) } };
    const fh = f.fh;
    f.fh = undefined;
    try {
      fh?.close();
    } catch {
      // The error already recorded is the one that matters.
    }
  }
}

/** A Buffer path arrives from another thread as a plain Uint8Array. */
function pathOf(p: FsPath | Uint8Array): FsPath {
  return typeof p === 'string' || Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}
