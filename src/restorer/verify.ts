import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import type { Repository } from '../repository/index.js';
import { plainLength } from '../repository/index.js';
import { parseTime, statModeFromGo } from '../snapshot/index.js';
import type { PlannedDir, PlannedFile, PlannedOther } from './plan.js';
import { fsPath, openNoFollow } from './safe-fs.js';
import { throwIfAborted, fsPathOf, type FsPath, type TreeNode } from '../core/index.js';
import { forEachLimit } from '../util/index.js';

/** Plaintext length of a blob from the index, or undefined if the index does not know it. */
export function blobPlainLength(repo: Repository, id: string, type: 'data' | 'tree' = 'data'): number | undefined {
  const entry = repo.lookup(type, id);
  if (entry === undefined) return undefined;
  return plainLength(entry);
}

/** A restored entry that does not match the snapshot. */
export interface VerifyFailure {
  /** Its path in the snapshot. */
  item: string;
  message: string;
}

const byItem = (a: VerifyFailure, b: VerifyFailure): number => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0);

/** With metadata checks: owner only as root (only root restores owners). */
export interface MetaCheck {
  isRoot: boolean;
}

/**
 * Times go through a double on their way to utimes (about 0.24 µs apart today): a restored time this close to the
 * snapshot's is the same time.
 */
const MTIME_SLACK_NS = 10_000n;

/**
 * Reads each restored file back and checks its size and, chunk by chunk, that the SHA-256 of the bytes is the
 * blob id the snapshot names; with `meta`, also its mode, modification time and (as root) owner. Returns the
 * files that do not match.
 */
export async function verifyRestore(
  repo: Repository,
  target: string,
  files: readonly PlannedFile[],
  signal?: AbortSignal,
  meta?: MetaCheck,
): Promise<VerifyFailure[]> {
  const failures: VerifyFailure[] = [];
  await forEachLimit(files, 2, async (file) => {
    throwIfAborted(signal);
    const problem = await verifyFile(repo, fsPath(target, file.rel), file.node, meta);
    if (problem !== undefined) failures.push({ item: file.loc, message: problem });
  });
  return failures.sort(byItem);
}

/** Checks the metadata of restored folders, symlinks (and their targets), fifos and devices. */
export async function verifyEntries(
  target: string,
  entries: readonly (PlannedOther | PlannedDir)[],
  meta: MetaCheck,
  signal?: AbortSignal,
): Promise<VerifyFailure[]> {
  const failures: VerifyFailure[] = [];
  for (const entry of entries) {
    throwIfAborted(signal);
    const path = fsPath(target, entry.rel);
    let st: BigIntStats;
    try {
      st = await lstat(path, { bigint: true });
    } catch (err) {
      failures.push({ item: entry.loc, message: `cannot read: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const problem = (await linkProblem(path, entry.node, st)) ?? metaProblem(entry.node, st, meta);
    if (problem !== undefined) failures.push({ item: entry.loc, message: problem });
  }
  return failures.sort(byItem);
}

async function linkProblem(path: FsPath, node: TreeNode, st: BigIntStats): Promise<string | undefined> {
  if (node.type !== 'symlink') return undefined;
  if (!st.isSymbolicLink()) return 'is not a symlink';
  const got = await readlink(path, { encoding: 'buffer' });
  const want = Buffer.from(fsPathOf(node.linktarget ?? ''));
  return got.equals(want) ? undefined : `symlink points to ${got.toString()} instead of ${want.toString()}`;
}

/** Mode (not of symlinks: Linux has none), modification time and, as root, owner. */
function metaProblem(node: TreeNode, st: BigIntStats, meta: MetaCheck): string | undefined {
  if (node.type !== 'symlink' && node.mode !== undefined) {
    const want = statModeFromGo(node.mode) & 0o7777;
    const got = Number(st.mode) & 0o7777;
    if (got !== want) return `mode ${got.toString(8)} differs from the snapshot's ${want.toString(8)}`;
  }
  const mtime = parseTime(node.mtime);
  const off = st.mtimeNs - mtime;
  if (off > MTIME_SLACK_NS || off < -MTIME_SLACK_NS) return `modification time differs from the snapshot's ${node.mtime}`;
  if (meta.isRoot && (Number(st.uid) !== node.uid || Number(st.gid) !== node.gid)) {
    return `owner ${st.uid}:${st.gid} differs from the snapshot's ${node.uid}:${node.gid}`;
  }
  return undefined;
}

async function verifyFile(repo: Repository, path: FsPath, node: TreeNode, meta: MetaCheck | undefined): Promise<string | undefined> {
  const content = node.content ?? [];
  const size = node.size ?? 0;
  let fh;
  try {
    fh = await openNoFollow(path);
  } catch (err) {
    return `cannot open: ${err instanceof Error ? err.message : String(err)}`;
  }
  try {
    const st = await fh.stat({ bigint: true });
    const fileSize = Number(st.size);
    if (fileSize !== size) return `size ${fileSize} differs from the snapshot's ${size}`;
    let offset = 0;
    let buf = Buffer.alloc(0);
    for (const [i, id] of content.entries()) {
      const length = blobPlainLength(repo, id);
      if (length === undefined) return `blob ${id.slice(0, 8)} is not in the index`;
      if (buf.length < length) buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead !== length) return `chunk ${i} is truncated`;
      const digest = createHash('sha256').update(buf.subarray(0, length)).digest('hex');
      if (digest !== id) return `chunk ${i} at offset ${offset} does not match blob ${id.slice(0, 8)}`;
      offset += length;
    }
    if (offset !== fileSize) return `file has ${fileSize - offset} bytes more than its blobs`;
    return meta === undefined ? undefined : metaProblem(node, st, meta);
  } finally {
    await fh.close();
  }
}
