import { link } from 'node:fs/promises';
import { CairnError, errnoCode, isCairnError, type TreeNode } from '../core/index.js';
import { abortIfNeeded, forEachLimit } from './abort.js';
import type { BlobSource } from './blob-source.js';
import { restoreFileMeta, type MetaContext } from './metadata.js';
import type { PlannedFile } from './plan.js';
import { clearPath, createFileExclusive, fsPath } from './safe-fs.js';
import type { FileHandle } from 'node:fs/promises';

export interface WriteContext {
  target: string;
  blobs: BlobSource;
  meta: MetaContext;
  signal: AbortSignal | undefined;
  /** Files written at once. */
  parallelFiles: number;
  /** Blobs requested ahead of the write position, per file. */
  readAhead: number;
  onBytes: (n: number) => void;
  onFileDone: () => void;
}

/** Writes every planned file (content, then metadata), then creates the hard links to them. */
export async function writeFiles(files: readonly PlannedFile[], ctx: WriteContext): Promise<void> {
  const primary = files.filter((f) => f.linkTo === undefined);
  for (const f of primary) ctx.blobs.expect(f.node.content ?? []);
  const failed = new Set<PlannedFile>();
  await forEachLimit(primary, ctx.parallelFiles, async (file) => {
    if (!(await guard(file.loc, ctx, () => writeOneFile(file, ctx)))) failed.add(file);
  });
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
export async function guard(loc: string, ctx: WriteContext, work: () => Promise<boolean | void>): Promise<boolean> {
  abortIfNeeded(ctx.signal);
  try {
    // `false` = skipped with a warning already given: not counted as restored.
    if ((await work()) === false) return true;
    ctx.onFileDone();
    return true;
  } catch (err) {
    if (isCairnError(err, 'interrupted')) throw err;
    const code = errnoCode(err);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new CairnError('no-space', `The restore target ran out of space while writing ${loc}.`, { cause: err });
    }
    ctx.meta.warn(loc, err instanceof Error ? err.message : String(err));
    return false;
  }
}

async function writeOneFile(file: PlannedFile, ctx: WriteContext): Promise<void> {
  const path = fsPath(ctx.target, file.rel);
  const fh = await createFileExclusive(path);
  try {
    const written = await writeContent(fh, file.node, ctx);
    if (file.node.size !== undefined && written !== file.node.size) {
      ctx.meta.warn(file.loc, `restored ${written} bytes but the snapshot records a size of ${file.node.size}`);
    }
    await restoreFileMeta(fh, path, file.loc, file.node, ctx.meta);
  } finally {
    await fh.close();
  }
}

/** Writes the blobs in order while the next few load; returns the byte count. */
async function writeContent(fh: FileHandle, node: TreeNode, ctx: WriteContext): Promise<number> {
  const content = node.content ?? [];
  const pending: Promise<Buffer>[] = [];
  let requested = 0;
  let consumed = 0;
  const fill = (): void => {
    while (requested < content.length && pending.length < ctx.readAhead) {
      const p = ctx.blobs.get(content[requested++]!);
      p.catch(() => undefined); // observed below; avoids an unhandled rejection if we stop early
      pending.push(p);
    }
  };
  let offset = 0;
  try {
    fill();
    while (consumed < content.length) {
      abortIfNeeded(ctx.signal);
      const buf = await pending.shift()!;
      fill();
      await writeAll(fh, buf, offset);
      ctx.blobs.release(content[consumed++]!);
      offset += buf.length;
      ctx.onBytes(buf.length);
    }
  } finally {
    // Blobs requested but not written: give back their use counts so cached copies can go.
    for (let i = consumed; i < content.length; i++) ctx.blobs.release(content[i]!);
  }
  return offset;
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}
