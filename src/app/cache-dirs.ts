/** restic's `cache` command: the per-repository folders of a cache base folder, their age, and removing old ones. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../core/index.js';

export interface CacheDirInfo {
  /** The repository id (the folder's name). */
  id: string;
  /** Last use: the folder's modification time, which opening a repository refreshes. */
  mtimeMs: number;
  /** Bytes of the files below it (computed only when asked). */
  size?: number;
}

const DAY_MS = 86_400_000;

/** restic's age after which a cache folder is old (`cache --max-age`'s default, `--cleanup-cache`). */
export const CACHE_MAX_AGE_DAYS = 30;

/** Whole days since `mtimeMs`, as restic counts them. */
export const ageDays = (mtimeMs: number, nowMs: number): number => Math.floor((nowMs - mtimeMs) / DAY_MS);

/** Unused for longer than `maxAgeDays` (restic's IsOld). */
export const isOld = (mtimeMs: number, maxAgeDays: number, nowMs: number): boolean =>
  nowMs - mtimeMs > maxAgeDays * DAY_MS;

/** The cache folders of `base` in directory order (only names that are repository ids); none when it is missing. */
export async function listCacheDirs(base: string, withSize: boolean): Promise<CacheDirInfo[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(base, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: CacheDirInfo[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !/^[0-9a-f]{64}$/.test(e.name)) continue;
    const dir = path.join(base, e.name);
    const info: CacheDirInfo = { id: e.name, mtimeMs: (await fs.stat(dir)).mtimeMs };
    if (withSize) info.size = await folderSize(dir);
    out.push(info);
  }
  return out;
}

/** Removes the cache folders unused for more than `maxAgeDays`; returns how many. */
export async function removeOldCacheDirs(base: string, maxAgeDays: number, nowMs: number): Promise<number> {
  const old = (await listCacheDirs(base, false)).filter((d) => isOld(d.mtimeMs, maxAgeDays, nowMs));
  for (const d of old) await fs.rm(path.join(base, d.id), { recursive: true, force: true });
  return old.length;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}
