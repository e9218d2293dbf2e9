import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import type { FileType } from '../../core/index.js';
import { isCairnError } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import type { AskPassphrase } from './auth.js';
import { SftpConnection } from './connection.js';
import { STATUS } from './errors.js';
import { isStatus, mkdir, readRange, readdir, renameOver, stat, unlink, writeNew } from './io.js';
import type { SftpConfig } from './location.js';

const DIRS: Exclude<FileType, 'config'>[] = ['keys', 'locks', 'snapshots', 'index', 'data'];
const NAME = /^[0-9a-f]{64}$/;
const SUBDIR = /^[0-9a-f]{2}$/;
/** data/XX folders listed at once. */
const LIST_AHEAD = 8;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/**
 * A repository on an SSH server, in restic's layout, through SFTP. Writes go to a hidden temporary file in the
 * target folder that is then renamed over the final name (posix-rename@openssh.com), so no reader ever sees a part.
 */
export class SftpBackend implements Backend {
  readonly location: string;
  private readonly conn: SftpConnection;
  private readonly root: string;

  constructor(config: SftpConfig, askPassphrase?: AskPassphrase) {
    this.location = config.location;
    this.root = config.path;
    this.conn = new SftpConnection(config, askPassphrase);
  }

  private dirOf(h: Handle | FileType): string {
    const type = typeof h === 'string' ? h : h.type;
    if (type === 'config') return this.root;
    if (type === 'data' && typeof h !== 'string')
      return path.posix.join(this.root, 'data', h.name.slice(0, 2));
    return path.posix.join(this.root, type);
  }

  private pathOf(h: Handle): string {
    return path.posix.join(this.dirOf(h), h.type === 'config' ? 'config' : h.name);
  }

  private describe(h: Handle): string {
    return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
  }

  async create(): Promise<void> {
    await this.conn.run(`the repository folder ${this.root}`, async (s) => {
      await mkdirAll(s, this.root);
      await Promise.all(DIRS.map((d) => ensureDir(s, path.posix.join(this.root, d))));
      const data = path.posix.join(this.root, 'data');
      const present = new Set((await readdir(s, data)).map((e) => e.filename));
      const missing = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).filter(
        (x) => !present.has(x),
      );
      await Promise.all(missing.map((x) => ensureDir(s, path.posix.join(data, x))));
    });
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    if (type === 'config') {
      try {
        yield await this.stat({ type: 'config', name: 'config' });
      } catch (err) {
        if (!isCairnError(err, 'not-found')) throw err;
      }
      return;
    }
    const top = this.dirOf(type);
    if (type !== 'data') {
      yield* files(await this.listDir(top));
      return;
    }
    const subs = (await this.listDir(top))
      .filter((e) => SUBDIR.test(e.filename) && isDir(e))
      .map((e) => e.filename);
    // Keep a few folders in flight and yield in order, so a listing of 256 folders is not 256 round trips.
    const pending: Promise<FileEntryWithStats[]>[] = [];
    for (let i = 0; i < subs.length || pending.length > 0;) {
      while (i < subs.length && pending.length < LIST_AHEAD) {
        const p = this.listDir(path.posix.join(top, subs[i++]!));
        p.catch(() => undefined); // awaited below; avoids an unhandled rejection while an earlier folder is yielded
        pending.push(p);
      }
      yield* files(await pending.shift()!);
    }
  }

  /** Entries of a folder; a missing folder is empty (restic tolerates missing data/XX folders). */
  private async listDir(dir: string): Promise<FileEntryWithStats[]> {
    try {
      return await this.conn.run(`the folder ${dir}`, (s) => readdir(s, dir));
    } catch (err) {
      if (isCairnError(err, 'not-found')) return [];
      throw err;
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    const st = await this.conn.run(this.describe(h), (s) => stat(s, this.pathOf(h)));
    return { name: h.name, size: st.size };
  }

  read(h: Handle, offset = 0, length?: number): Promise<Buffer> {
    const what = this.describe(h);
    return this.conn.run(what, (s) => readRange(s, this.pathOf(h), offset, length, what));
  }

  async write(h: Handle, data: Uint8Array): Promise<void> {
    const dir = this.dirOf(h);
    const final = this.pathOf(h);
    const tmp = path.posix.join(dir, `.${h.name}-tmp-${randomBytes(6).toString('hex')}`);
    await this.conn.run(this.describe(h), async (s) => {
      try {
        await writeNew(s, tmp, data).catch(async (err: unknown) => {
          // A repository made by another tool may lack a data/XX folder.
          if (!isStatus(err, STATUS.NO_SUCH_FILE)) throw err;
          await mkdirAll(s, dir);
          await writeNew(s, tmp, data);
        });
        await renameOver(s, tmp, final);
      } catch (err) {
        await unlink(s, tmp).catch(() => undefined);
        throw err;
      }
    });
  }

  async remove(h: Handle): Promise<void> {
    await this.conn.run(this.describe(h), (s) => unlink(s, this.pathOf(h)));
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

function isDir(e: FileEntryWithStats): boolean {
  return (e.attrs.mode & S_IFMT) === S_IFDIR;
}

function* files(entries: FileEntryWithStats[]): Iterable<FileInfo> {
  for (const e of entries) {
    if (NAME.test(e.filename) && (e.attrs.mode & S_IFMT) === S_IFREG)
      yield { name: e.filename, size: e.attrs.size };
  }
}

/** mkdir that succeeds when the folder exists (SFTP answers a plain FAILURE then, so check with stat). */
async function ensureDir(s: SFTPWrapper, dir: string): Promise<void> {
  try {
    await mkdir(s, dir);
  } catch (err) {
    const st = await stat(s, dir).catch(() => undefined);
    if (!st?.isDirectory()) throw err;
  }
}

/** `mkdir -p`: creates the missing folders of a path, from the first missing one down. */
async function mkdirAll(s: SFTPWrapper, dir: string): Promise<void> {
  const st = await stat(s, dir).catch((err: unknown) => {
    if (isStatus(err, STATUS.NO_SUCH_FILE)) return undefined;
    throw err;
  });
  if (st?.isDirectory()) return;
  const parent = path.posix.dirname(dir);
  if (!st && parent !== dir) await mkdirAll(s, parent);
  await ensureDir(s, dir);
}
