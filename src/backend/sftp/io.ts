import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { CairnError } from '../../core/index.js';
import { forEachLimit } from '../../util/index.js';
import { STATUS } from './errors.js';

/** Bytes per READ/WRITE request: OpenSSH serves up to 255 KiB, and smaller requests pipeline more evenly. */
const CHUNK = 64 * 1024;
/** Requests in flight per transfer: enough to fill the loopback or a long link without a round trip per chunk. */
const IN_FLIGHT = 32;

type Reject = (err: Error) => void;
/** Rejecters of the requests waiting on each channel, or null once the channel has closed. */
const waiting = new WeakMap<SFTPWrapper, Set<Reject> | null>();

/**
 * Starts watching a channel. ssh2 fails the requests it has sent when a channel closes, but a request issued after
 * that is buffered and never answered: this fails those too, so nothing waits forever on a dead connection.
 */
export function watchChannel(s: SFTPWrapper): void {
  const set = new Set<Reject>();
  waiting.set(s, set);
  s.once('close', () => {
    waiting.set(s, null);
    for (const reject of set) reject(new Error('The SFTP channel closed'));
  });
}

/** Turns one ssh2 callback call on channel `s` into a promise; ssh2 also throws synchronously at times. */
function call<T>(
  s: SFTPWrapper,
  start: (cb: (err: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const set = waiting.get(s);
    if (set === null) return reject(new Error('The SFTP channel closed'));
    set?.add(reject);
    try {
      start((err, value) => {
        set?.delete(reject);
        if (err) reject(err);
        else resolve(value as T);
      });
    } catch (err) {
      set?.delete(reject);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

export const stat = (s: SFTPWrapper, p: string): Promise<Stats> => call(s, (cb) => s.stat(p, cb));
export const readdir = (s: SFTPWrapper, p: string): Promise<FileEntryWithStats[]> =>
  call(s, (cb) => s.readdir(p, cb));
export const unlink = (s: SFTPWrapper, p: string): Promise<void> => call(s, (cb) => s.unlink(p, cb));
export const mkdir = (s: SFTPWrapper, p: string): Promise<void> =>
  call(s, (cb) => s.mkdir(p, { mode: 0o700 }, cb));
const open = (s: SFTPWrapper, p: string, flags: 'r' | 'wx'): Promise<Buffer> =>
  call(s, (cb) => s.open(p, flags, { mode: 0o600 }, cb));
const closeHandle = (s: SFTPWrapper, h: Buffer): Promise<void> => call(s, (cb) => s.close(h, cb));

export function isStatus(err: unknown, status: number): boolean {
  return (err as { code?: unknown } | null)?.code === status;
}

/** Reads bytes [pos, pos+len) into `out` at `at`; a server may answer with fewer bytes, so ask again for the rest. */
async function readExact(
  s: SFTPWrapper,
  h: Buffer,
  out: Buffer,
  at: number,
  len: number,
  pos: number,
  what: string,
): Promise<void> {
  let done = 0;
  while (done < len) {
    const n = await call<number>(s, (cb) => s.read(h, out, at + done, len - done, pos + done, cb));
    if (!n)
      throw new CairnError('fatal', `${what} ended at byte ${pos + done}, before the requested range did.`);
    done += n;
  }
}

/** The byte range [offset, offset+length) of a file (to its end without `length`), read with requests in flight. */
export async function readRange(
  s: SFTPWrapper,
  file: string,
  offset: number,
  length: number | undefined,
  what: string,
): Promise<Buffer> {
  const h = await open(s, file, 'r');
  try {
    const size =
      length === undefined || offset < 0 || length < 0
        ? (await call<Stats>(s, (cb) => s.fstat(h, cb))).size
        : Infinity;
    const want = length ?? size - offset;
    if (offset < 0 || want < 0 || offset + want > size) {
      throw new CairnError('fatal', `Range ${offset}-${offset + want} is outside ${what} (${size} bytes).`);
    }
    const out = Buffer.allocUnsafe(want);
    const chunks = Math.ceil(want / CHUNK);
    await forEachLimit(new Array<number>(chunks).keys(), IN_FLIGHT, (i) =>
      readExact(s, h, out, i * CHUNK, Math.min(CHUNK, want - i * CHUNK), offset + i * CHUNK, what),
    );
    return out;
  } finally {
    await closeHandle(s, h).catch(() => undefined);
  }
}

/** Writes a whole new file (which must not exist) with requests in flight, then asks the server to sync it. */
export async function writeNew(s: SFTPWrapper, file: string, data: Uint8Array): Promise<void> {
  const h = await open(s, file, 'wx');
  let closed = false;
  try {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const chunks = Math.ceil(buf.length / CHUNK);
    await forEachLimit(new Array<number>(chunks).keys(), IN_FLIGHT, (i) => {
      const at = i * CHUNK;
      const len = Math.min(CHUNK, buf.length - at);
      return call<void>(s, (cb) => s.write(h, buf, at, len, at, cb));
    });
    await fsync(s, h);
    closed = true;
    await closeHandle(s, h);
  } finally {
    if (!closed) await closeHandle(s, h).catch(() => undefined);
  }
}

/** fsync@openssh.com where the server offers it; without it the data is as durable as the server makes it. */
async function fsync(s: SFTPWrapper, h: Buffer): Promise<void> {
  try {
    await call<unknown>(s, (cb) => s.ext_openssh_fsync(h, cb));
  } catch (err) {
    if (/not supported|does not support/i.test((err as Error).message)) return;
    throw err;
  }
}

/**
 * Moves `from` over `to` atomically with posix-rename@openssh.com. A server without it gets the plain SFTP rename,
 * which refuses to replace: then an existing target already holds the same content (names are content hashes).
 */
export async function renameOver(s: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>(s, (cb) => s.ext_openssh_rename(from, to, cb));
    return;
  } catch (err) {
    if (!/not supported|does not support/i.test((err as Error).message)) throw err;
  }
  try {
    await call<void>(s, (cb) => s.rename(from, to, cb));
  } catch (err) {
    if (!isStatus(err, STATUS.FAILURE)) throw err;
    await stat(s, to);
    await unlink(s, from);
  }
}
