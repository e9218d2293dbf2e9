import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Id } from '../core/index.js';
import { errnoCode, hashId } from '../core/index.js';

export type CachedType = 'index' | 'snapshots' | 'data';

const CACHEDIR_TAG =
  'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by cairn.\n';

/**
 * A local copy of index files, snapshot files and tree packs, in restic's cache layout
 * `<dir>/<repo id>/{index,snapshots,data}/<id[0:2]>/<id>`. Every entry is checked against its storage id before it
 * is trusted; a bad entry is deleted and the caller falls back to the repository. Cache failures never fail an
 * operation: the cache is only an optimisation.
 */
export class Cache {
  readonly base: string;
  private readonly verified = new Set<string>();

  constructor(
    private readonly dir: string,
    repoId: string,
  ) {
    this.base = path.join(dir, repoId);
  }

  private pathOf(type: CachedType, id: Id): string {
    return path.join(this.base, type, id.slice(0, 2), id);
  }

  async init(): Promise<void> {
    await fs.mkdir(this.base, { recursive: true, mode: 0o700 }).catch(() => undefined);
    // Its time says when it was last used, as restic's: `cache` lists it and `--cleanup` removes the old ones.
    const now = new Date();
    await fs.utimes(this.base, now, now).catch(() => undefined);
    await fs
      .writeFile(path.join(this.dir, 'CACHEDIR.TAG'), CACHEDIR_TAG, { flag: 'wx' })
      .catch(() => undefined);
  }

  /** The whole cached file if present and intact. */
  async get(type: CachedType, id: Id): Promise<Buffer | undefined> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.pathOf(type, id));
    } catch {
      return undefined;
    }
    if (hashId(data) !== id) {
      await this.remove(type, id);
      return undefined;
    }
    this.verified.add(id);
    return data;
  }

  /**
   * A byte range of a cached pack; the whole file is verified once per session before the first range. The read is a
   * synchronous open/pread/close: a parent snapshot's trees are read one small blob at a time, and three promise
   * round trips per blob through the thread pool cost more than the walk itself.
   */
  async readRange(id: Id, offset: number, length: number): Promise<Buffer | undefined> {
    if (!this.verified.has(id) && (await this.get('data', id)) === undefined) return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(this.pathOf('data', id), 'r');
      const out = Buffer.alloc(length);
      const bytesRead = readSync(fd, out, 0, length, offset);
      return bytesRead === length ? out : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  async has(type: CachedType, id: Id): Promise<boolean> {
    return fs.stat(this.pathOf(type, id)).then(
      () => true,
      () => false,
    );
  }

  async put(type: CachedType, id: Id, data: Uint8Array): Promise<void> {
    const file = this.pathOf(type, id);
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.writeFile(tmp, data, { mode: 0o600 });
      await fs.rename(tmp, file);
      this.verified.add(id);
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async remove(type: CachedType, id: Id): Promise<void> {
    this.verified.delete(id);
    await fs.rm(this.pathOf(type, id), { force: true }).catch(() => undefined);
  }

  /** Deletes cached files of `type` whose id is not in `keep` (files gone from the repository). */
  async prune(type: CachedType, keep: ReadonlySet<Id>): Promise<number> {
    let removed = 0;
    for (const id of await this.ids(type)) {
      if (keep.has(id)) continue;
      await this.remove(type, id);
      removed++;
    }
    return removed;
  }

  async ids(type: CachedType): Promise<Id[]> {
    const out: Id[] = [];
    const top = path.join(this.base, type);
    for (const sub of await readDir(top)) {
      for (const name of await readDir(path.join(top, sub))) if (/^[0-9a-f]{64}$/.test(name)) out.push(name);
    }
    return out;
  }
}

async function readDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}
