/**
 * `archive:` a plain tar.zst (or tar.gz) of a job's local sources per run, for people who want files any `tar`
 * restores: written as `.NAME.tmp` in the target folder, fsynced, renamed, the folder fsynced; then only the
 * newest `keep` of the job's archives stay. Entry names are the absolute paths without the leading `/`, as GNU tar
 * writes them; the job's excludes apply; sockets and devices are left out.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ArchiveConfig } from '../config/index.js';
import { localSources } from '../config/index.js';
import type { Pattern } from '../source/index.js';
import { compilePatterns, matchAny } from '../source/index.js';

export interface ArchiveResult {
  file: string;
  bytes: number;
  removed: string[];
}

/** `JOB-YYYYMMDD-HHMMSS.tar.zst`, in UTC. */
export function archiveName(job: string, format: ArchiveConfig['format'], at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${job}-${stamp}.${format}`;
}

export async function writeArchive(
  job: string,
  a: ArchiveConfig,
  sources: string[],
  excludes: string[],
  at: Date,
  signal: AbortSignal,
): Promise<ArchiveResult> {
  await fsp.mkdir(a.to, { recursive: true });
  const file = path.join(a.to, archiveName(job, a.format, at));
  const tmp = path.join(a.to, `.${path.basename(file)}.tmp`);
  const pack = tar.pack();
  const compress = a.format === 'tar.zst' ? zlib.createZstdCompress() : zlib.createGzip();
  const out = fs.createWriteStream(tmp, { mode: 0o600 });
  const written = pipeline(pack, compress, out, { signal });
  try {
    const patterns = compilePatterns(excludes);
    for (const p of localSources(sources)) await addTree(pack, path.resolve(p), patterns, signal);
    pack.finalize();
    await written;
    const handle = await fsp.open(tmp, 'r');
    await handle.sync().finally(() => handle.close());
    await fsp.rename(tmp, file);
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncFolder(a.to);
  return { file, bytes: (await fsp.stat(file)).size, removed: await keepNewest(job, a) };
}

async function addTree(pack: tar.Pack, p: string, excludes: Pattern[], signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (matchAny(excludes, p)) return;
  const st = await fsp.lstat(p);
  const header = {
    name: p.replace(/^\/+/, ''),
    mode: st.mode & 0o7777,
    mtime: st.mtime,
    uid: st.uid,
    gid: st.gid,
  };
  if (st.isDirectory()) {
    pack.entry({ ...header, type: 'directory' });
    for (const name of (await fsp.readdir(p)).sort())
      await addTree(pack, path.join(p, name), excludes, signal);
  } else if (st.isSymbolicLink()) {
    pack.entry({ ...header, type: 'symlink', linkname: await fsp.readlink(p) });
  } else if (st.isFile()) {
    // The entry's size is the one read here; bytes appended meanwhile are left for the next archive.
    if (st.size === 0) pack.entry({ ...header, type: 'file', size: 0 }, Buffer.alloc(0));
    else {
      const entry = pack.entry({ ...header, type: 'file', size: st.size });
      await pipeline(fs.createReadStream(p, { start: 0, end: st.size - 1 }), entry);
    }
  }
}

/** Removes the job's archives beyond the newest `keep` (names sort by time) and leftovers of interrupted writes. */
async function keepNewest(job: string, a: ArchiveConfig): Promise<string[]> {
  const mine = new RegExp(`^${job.replace(/[.]/g, '\\.')}-\\d{8}-\\d{6}\\.tar\\.(zst|gz)$`);
  const names = await fsp.readdir(a.to);
  const stale = names.filter((n) => n.startsWith(`.${job}-`) && n.endsWith('.tmp'));
  const old = names
    .filter((n) => mine.test(n))
    .sort()
    .reverse()
    .slice(a.keep);
  for (const n of [...old, ...stale]) await fsp.rm(path.join(a.to, n), { force: true });
  return old.map((n) => path.join(a.to, n));
}

/** Makes the rename durable; a file system that refuses to fsync a folder is harmless here. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  await handle
    .sync()
    .catch(() => undefined)
    .finally(() => handle.close());
}
