/**
 * One served repository folder in restic's default layout (`config`, `keys/`, `snapshots/`, `index/`, `locks/`,
 * `data/XX/<id>`), as rest-server keeps it. The server works on files directly so that uploads and downloads can
 * stream and objects can be created exclusively (link(2), never a rename over an existing name).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileType } from '../core/index.js';
import { CairnError, errnoCode, isCairnError } from '../core/index.js';
import type { ObjectType } from './routes.js';
import { OBJECT_TYPES } from './routes.js';

export interface StoredFile {
  type: FileType;
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
}

const NAME = /^[0-9a-f]{64}$/;
/** Temporary uploads: hidden, so neither listings nor restic ever take them for repository files. */
export const TEMP_PREFIX = '.serve-tmp-';

/**
 * Removes temporary uploads that no server is writing any more (left by a server that was killed): a live upload
 * writes at least once per idle timeout, so a temp file untouched for longer belongs to nobody. Returns how many.
 */
export async function sweepUnfinishedUploads(root: string, idleMs: number, nowMs: number): Promise<number> {
  let removed = 0;
  const entries = await fs.readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.startsWith(TEMP_PREFIX)) continue;
    const file = path.join(entry.parentPath, entry.name);
    try {
      if (nowMs - (await fs.stat(file)).mtimeMs <= idleMs) continue;
      await fs.unlink(file);
      removed++;
    } catch {
      // finished or removed meanwhile
    }
  }
  return removed;
}

/** A file-system error as a CairnError whose code errors.ts turns into a status. */
export function storeError(err: unknown, what: string): CairnError {
  if (err instanceof CairnError) return err;
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new CairnError('not-found', `${what} does not exist.`, { cause: err });
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CairnError('no-space', `The disk is full: ${what} could not be written.`, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new CairnError('fatal', `File-system error on ${what}: ${detail}.`, { cause: err });
}

export class RepoFolder {
  constructor(readonly root: string) {}

  dirOf(f: StoredFile): string {
    if (f.type === 'config') return this.root;
    if (f.type === 'data') return path.join(this.root, 'data', f.name.slice(0, 2));
    return path.join(this.root, f.type);
  }

  pathOf(f: StoredFile): string {
    return path.join(this.dirOf(f), f.type === 'config' ? 'config' : f.name);
  }

  /** A fresh temporary name next to where `f` will live (same file system, so link(2) works). */
  tempPathOf(f: StoredFile): string {
    return path.join(this.dirOf(f), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  }

  async create(): Promise<void> {
    try {
      for (const t of OBJECT_TYPES) await fs.mkdir(path.join(this.root, t), { recursive: true, mode: 0o700 });
      for (let i = 0; i < 256; i++) {
        const sub = path.join(this.root, 'data', i.toString(16).padStart(2, '0'));
        await fs.mkdir(sub, { recursive: true, mode: 0o700 });
      }
    } catch (err) {
      throw storeError(err, 'the repository folder');
    }
  }

  /** The files of one type; a missing type folder (or repository) is `not-found`, which rest-server answers 404. */
  async list(type: ObjectType): Promise<FileInfo[]> {
    const top = path.join(this.root, type);
    const dirs = type === 'data' ? (await this.names(top)).filter((n) => /^[0-9a-f]{2}$/.test(n)) : [''];
    const out: FileInfo[] = [];
    for (const sub of dirs) {
      const dir = path.join(top, sub);
      const names = await this.names(dir).catch((err: unknown) => {
        // A data/XX folder removed while listing is empty; the type folder itself must exist.
        if (sub !== '' && isCairnError(err, 'not-found')) return [];
        throw err;
      });
      for (const name of names.filter((n) => NAME.test(n))) {
        try {
          const st = await fs.stat(path.join(dir, name));
          if (st.isFile()) out.push({ name, size: st.size });
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw storeError(err, `${type}/${name}`);
        }
      }
    }
    return out;
  }

  private async names(dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (err) {
      throw storeError(err, 'the folder');
    }
  }

  async stat(f: StoredFile): Promise<number | undefined> {
    try {
      return (await fs.stat(this.pathOf(f))).size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw storeError(err, f.type);
    }
  }

  async open(f: StoredFile): Promise<fs.FileHandle> {
    try {
      return await fs.open(this.pathOf(f), 'r');
    } catch (err) {
      throw storeError(err, f.type);
    }
  }

  async remove(f: StoredFile): Promise<void> {
    try {
      await fs.unlink(this.pathOf(f));
    } catch (err) {
      throw storeError(err, f.type);
    }
  }

  /**
   * Gives a complete, synced temporary file its final name without ever replacing one: link(2) fails with EEXIST
   * if the name exists, so of racing writers exactly one wins. Returns false if the name already existed. The
   * temporary name is removed either way.
   */
  async commit(tmp: string, f: StoredFile): Promise<boolean> {
    const dir = this.dirOf(f);
    try {
      await fs.chmod(tmp, 0o400);
      await fs.link(tmp, this.pathOf(f));
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw storeError(err, f.type);
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
    await syncDir(dir);
    return true;
  }
}

/** Makes a new name durable; some file systems refuse to fsync a folder, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}
