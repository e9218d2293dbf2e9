/**
 * `archive:` a plain tar.zst (or tar.gz) of a job's local sources per run, for people who want files any `tar`
 * restores, streamed to a local folder (archive-folder.ts) or a bucket (an ObjectStore from the registry); then only
 * the newest `keep` of the job's archives stay. Entry names are the absolute paths without the leading `/`, as GNU
 * tar writes them; the job's excludes apply; sockets and devices are left out.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ObjectStore } from '../backend/index.js';
import { withUploadLimit } from '../backend/wrap/index.js';
import type { ArchiveConfig } from '../config/index.js';
import { isArchiveUrl, localSources } from '../config/index.js';
import type { Pattern } from '../source/index.js';
import { compilePatterns, matchAny } from '../source/index.js';
import { openObjectStore } from '../registry.js';
import { ArchiveFolder } from './archive-folder.js';

export interface ArchiveResult {
  /** Where the archive went: a file path, or the bucket URL and name. */
  file: string;
  bytes: number;
  removed: string[];
}

/** `JOB-YYYYMMDD-HHMMSS.tar.zst`, in UTC. */
export function archiveName(job: string, format: ArchiveConfig['format'], at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${job}-${stamp}.${format}`;
}

/**
 * The destination of `archive.to`: a local folder, or a bucket with the archive's options and AWS_* credentials;
 * either way at most `uploadBytesPerSecond` on average (the job's limit_upload).
 */
export async function openArchiveStore(
  a: ArchiveConfig,
  env: Record<string, string | undefined>,
  uploadBytesPerSecond?: number,
): Promise<ObjectStore> {
  const options = Object.fromEntries(Object.entries(a.options).map(([k, v]) => [k, String(v)]));
  const store = isArchiveUrl(a.to) ? await openObjectStore(a.to, { options, env }) : new ArchiveFolder(a.to);
  return withUploadLimit(store, uploadBytesPerSecond);
}

export async function writeArchive(
  job: string,
  a: ArchiveConfig,
  store: ObjectStore,
  sources: string[],
  excludes: string[],
  at: Date,
  signal: AbortSignal,
): Promise<ArchiveResult> {
  const name = archiveName(job, a.format, at);
  const pack = tar.pack();
  const compress = a.format === 'tar.zst' ? zlib.createZstdCompress() : zlib.createGzip();
  const body = new PassThrough();
  // Stops the reading of sources when the upload gave up (otherwise a full pipe would hold it forever).
  const stop = new AbortController();
  const reading = AbortSignal.any([signal, stop.signal]);
  const piped = pipeline(pack, compress, body, { signal: reading });
  // Awaited below, but maybe only after it failed: mark it handled now.
  piped.catch(() => undefined);
  const produced = (async (): Promise<void> => {
    const patterns = compilePatterns(excludes);
    for (const p of localSources(sources)) await addTree(pack, path.resolve(p), patterns, reading);
    pack.finalize();
  })();
  // A source that could not be read says more than the upload it broke; an error after `stop` is only its echo.
  let sourceError: unknown;
  produced.catch((err: unknown) => {
    if (!stop.signal.aborted) sourceError = err;
    pack.destroy(err as Error);
  });
  let bytes: number;
  try {
    // An upload that gives up must not tear the pipe down itself: `stop` does, so the reading's error is an echo.
    bytes = await store.put(name, body.iterator({ destroyOnReturn: false }), signal);
    await Promise.all([produced, piped]);
  } catch (err) {
    stop.abort();
    await Promise.allSettled([produced, piped]);
    throw sourceError ?? err;
  }
  const file = isArchiveUrl(a.to) ? `${store.location}/${name}` : path.join(store.location, name);
  return { file, bytes, removed: await keepNewest(job, a.keep, store) };
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
      await pipeline(fs.createReadStream(p, { start: 0, end: st.size - 1 }), entry, { signal });
    }
  }
}

/** Removes the job's archives beyond the newest `keep` (names sort by time) and leftovers of interrupted writes. */
async function keepNewest(job: string, keep: number, store: ObjectStore): Promise<string[]> {
  const mine = new RegExp(`^${job.replace(/[.]/g, '\\.')}-\\d{8}-\\d{6}\\.tar\\.(zst|gz)$`);
  const names: string[] = [];
  for await (const f of store.list()) names.push(f.name);
  const stale = names.filter((n) => n.startsWith(`.${job}-`) && n.endsWith('.tmp'));
  const old = names
    .filter((n) => mine.test(n))
    .sort()
    .reverse()
    .slice(keep);
  for (const n of [...old, ...stale]) await store.remove(n);
  return old;
}
