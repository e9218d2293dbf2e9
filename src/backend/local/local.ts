import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileType } from '../../core/index.js';
import { CairnError } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import { fsError } from './errors.js';

const DIRS: Exclude<FileType, 'config'>[] = ['keys', 'snapshots', 'index', 'locks', 'data'];
const NAME = /^[0-9a-f]{64}$/;
const TMP_PREFIX = '.tmp-';

/**
 * A repository in a local folder, in restic's "default" layout: `config`, `keys/`, `snapshots/`, `index/`,
 * `locks/` and `data/XX/<id>`. Files are written to a temp file in the target folder, synced and renamed, so a
 * reader never sees a partial file; they end up read-only (0400) like restic's. When `config` is group-readable, the
 * repository is shared with a group, and new files are 0440 and new folders 0770 (as restic 0.14 does).
 */
export class LocalBackend implements Backend {
  readonly location: string;
  /** Two transfers at a time, restic's local.connections default: one pack's fsync overlaps the next write. */
  readonly connections = 2;
  private readonly root: string;
  private shared: Promise<boolean> | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = this.root;
  }

  private dirOf(h: Handle): string {
    if (h.type === 'config') return this.root;
    if (h.type === 'data') return path.join(this.root, 'data', h.name.slice(0, 2));
    return path.join(this.root, h.type);
  }

  private pathOf(h: Handle): string {
    return h.type === 'config' ? path.join(this.root, 'config') : path.join(this.dirOf(h), h.name);
  }

  private describe(h: Handle): string {
    return h.type === 'config' ? `${this.root}/config` : `${this.root}/${h.type}/${h.name}`;
  }

  async create(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
      for (const dir of DIRS) await fs.mkdir(path.join(this.root, dir), { recursive: true, mode: 0o700 });
      for (let i = 0; i < 256; i++) {
        const sub = i.toString(16).padStart(2, '0');
        await fs.mkdir(path.join(this.root, 'data', sub), { recursive: true, mode: 0o700 });
      }
    } catch (err) {
      throw fsError(err, `the repository folder ${this.root}`);
    }
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    if (type === 'config') {
      try {
        const st = await fs.stat(path.join(this.root, 'config'));
        yield { name: 'config', size: st.size };
      } catch (err) {
        const e = fsError(err, 'config');
        if (e.code !== 'not-found') throw e;
      }
      return;
    }
    const top = path.join(this.root, type);
    if (type !== 'data') {
      yield* this.listDir(top);
      return;
    }
    for (const sub of await this.readDir(top)) {
      if (/^[0-9a-f]{2}$/.test(sub)) yield* this.listDir(path.join(top, sub));
    }
  }

  /** Entries of a folder; a missing folder is empty (restic tolerates missing data/XX folders). */
  private async readDir(dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (err) {
      const e = fsError(err, dir);
      if (e.code === 'not-found') return [];
      throw e;
    }
  }

  private async *listDir(dir: string): AsyncIterable<FileInfo> {
    for (const name of await this.readDir(dir)) {
      if (!NAME.test(name)) continue;
      try {
        const st = await fs.stat(path.join(dir, name));
        if (st.isFile()) yield { name, size: st.size };
      } catch (err) {
        const e = fsError(err, path.join(dir, name));
        if (e.code !== 'not-found') throw e; // removed while listing
      }
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    try {
      const st = await fs.stat(this.pathOf(h));
      return { name: h.name, size: st.size };
    } catch (err) {
      throw fsError(err, this.describe(h));
    }
  }

  async read(h: Handle, offset = 0, length?: number): Promise<Buffer> {
    let file: fs.FileHandle | undefined;
    try {
      file = await fs.open(this.pathOf(h), 'r');
      // With a length the size is not needed: a range past the end shows up as a short read below.
      const size = length === undefined || offset < 0 || length < 0 ? (await file.stat()).size : Infinity;
      const want = length ?? size - offset;
      if (offset < 0 || want < 0 || offset + want > size) {
        throw new CairnError(
          'fatal',
          `Range ${offset}-${offset + want} is outside ${this.describe(h)} (${size} bytes).`,
        );
      }
      const out = Buffer.allocUnsafe(want);
      let done = 0;
      while (done < want) {
        const { bytesRead } = await file.read(out, done, want - done, offset + done);
        if (bytesRead === 0) {
          throw new CairnError('fatal', `Range ${offset}-${offset + want} is outside ${this.describe(h)}, which ended first.`);
        }
        done += bytesRead;
      }
      return out;
    } catch (err) {
      throw fsError(err, this.describe(h));
    } finally {
      await file?.close();
    }
  }

  /** Whether `config` is group-readable; asked again until the config exists. */
  private groupShared(): Promise<boolean> {
    this.shared ??= fs.stat(path.join(this.root, 'config')).then(
      (st) => (st.mode & 0o040) !== 0,
      () => {
        this.shared = undefined;
        return false;
      },
    );
    return this.shared;
  }

  async write(h: Handle, data: Uint8Array): Promise<void> {
    const dir = this.dirOf(h);
    const tmp = path.join(dir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      const shared = await this.groupShared();
      await fs.mkdir(dir, { recursive: true, mode: shared ? 0o770 : 0o700 });
      const file = await fs.open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      await fs.chmod(tmp, shared ? 0o440 : 0o400);
      await fs.rename(tmp, this.pathOf(h));
      await syncDir(dir);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw fsError(err, this.describe(h));
    }
  }

  async remove(h: Handle): Promise<void> {
    try {
      await fs.unlink(this.pathOf(h));
    } catch (err) {
      throw fsError(err, this.describe(h));
    }
  }

  async close(): Promise<void> {}
}

/** Makes the rename durable; some file systems refuse to fsync a folder, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}
