import { createHash } from 'node:crypto';
import type { Repository } from '../repository/index.js';
import { plainLength } from '../repository/index.js';
import type { PlannedFile } from './plan.js';
import { fsPath, openNoFollow } from './safe-fs.js';
import { throwIfAborted, type FsPath } from '../core/index.js';
import { forEachLimit } from '../util/index.js';

/** Plaintext length of a blob from the index, or undefined if the index does not know it. */
export function blobPlainLength(repo: Repository, id: string, type: 'data' | 'tree' = 'data'): number | undefined {
  const entry = repo.lookup(type, id);
  if (entry === undefined) return undefined;
  return plainLength(entry);
}

/**
 * Reads each restored file back and checks its size and, chunk by chunk, that the SHA-256 of the bytes is the
 * blob id the snapshot names. Returns the snapshot paths of files that do not match.
 */
export async function verifyRestore(
  repo: Repository,
  target: string,
  files: readonly PlannedFile[],
  signal?: AbortSignal,
): Promise<string[]> {
  const failures: string[] = [];
  await forEachLimit(files, 2, async (file) => {
    throwIfAborted(signal);
    const problem = await verifyFile(repo, fsPath(target, file.rel), file.node.content ?? [], file.node.size ?? 0);
    if (problem !== undefined) failures.push(`${file.loc}: ${problem}`);
  });
  return failures.sort();
}

async function verifyFile(repo: Repository, path: FsPath, content: readonly string[], size: number): Promise<string | undefined> {
  let fh;
  try {
    fh = await openNoFollow(path);
  } catch (err) {
    return `cannot open: ${err instanceof Error ? err.message : String(err)}`;
  }
  try {
    const st = await fh.stat();
    if (st.size !== size) return `size ${st.size} differs from the snapshot's ${size}`;
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
    if (offset !== st.size) return `file has ${st.size - offset} bytes more than its blobs`;
    return undefined;
  } finally {
    await fh.close();
  }
}
