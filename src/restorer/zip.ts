/**
 * A streaming zip writer (PKWARE APPNOTE 6.3): entries go out as they come, memory stays bounded by one chunk (or one
 * small file). A small file is gathered and deflated in one call, sizes in its local header; a bigger one is deflated
 * (or stored at level 0) as it streams, behind a data descriptor, so no size needs to be known in advance; zip64
 * records appear only where a size, an offset or the entry count needs them. Names are bytes (core's byte names):
 * valid non-ASCII UTF-8 sets the UTF-8 flag, as Go's archive/zip (restic's writer) does.
 */
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { CairnError, hasRawBytes, nameToBytes } from '../core/index.js';

export type ZipEntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'dev' | 'socket';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, without a leading '/' ('/' is appended to a folder's name). */
  name: string;
  type: ZipEntryType;
  /** POSIX permission bits, setuid/setgid/sticky included (0o7777). */
  mode: number;
  mtime: Date;
  /**
   * Offset of the zone (seconds east of UTC) in which the DOS date/time fields are written; default 0. The exact
   * time also goes in an extended-timestamp field, which unzip and Python prefer.
   */
  zoneOffsetSeconds?: number;
  /** A file's bytes: a buffer, or chunks read once in order (a Readable works). */
  data?: Uint8Array | AsyncIterable<Uint8Array>;
  /** A file's expected size when known: above 4 GiB its local header announces zip64 sizes. */
  size?: number;
  /** A symlink's target, stored as its content (as Info-ZIP and restic do). */
  linkTarget?: string;
}

export interface ZipWriterOptions {
  /** Deflate level 1–9, or 0 to store; default 6. */
  level?: number;
  /** 'always' writes zip64 records for every entry (for tests); default 'auto' = only where needed. */
  zip64?: 'auto' | 'always';
}

const U32 = 0xffffffff;
const U16 = 0xffff;
/** A deflated size can exceed its input by about 0.03 %: announce zip64 well before 4 GiB. */
const ZIP64_SIZE_HINT = 0xff000000;
const FLAG_DESCRIPTOR = 0x0008;
/**
 * Up to this size a file is gathered and deflated in one synchronous call: a deflate stream per file (its set-up and
 * a thread-pool round trip per chunk) made a folder of 100,000 small files take 7 times as long as its tar.
 */
const SMALL_FILE = 64 * 1024;
/** Smaller than this, deflate wins back a few bytes at most: stored as they are. */
const TINY_FILE = 64;
const FLAG_UTF8 = 0x0800;
const UNIX_TYPE: Record<ZipEntryType, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  fifo: 0o010000,
  chardev: 0o020000,
  dev: 0o060000,
  socket: 0o140000,
};

interface Written {
  name: Buffer;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  extra: Buffer;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
  externalAttrs: number;
}

/** Writes a zip archive to `out` entry by entry; call `finish` once at the end (it does not end `out`). */
export class ZipWriter {
  private readonly written: Written[] = [];
  private offset = 0;
  private busy = false;
  private finished = false;
  private readonly level: number;
  private readonly always64: boolean;

  private readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream, opts: ZipWriterOptions = {}) {
    this.out = out;
    this.level = opts.level ?? 6;
    this.always64 = opts.zip64 === 'always';
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Adds one entry, streaming its data; entries must be added one after another (await each). */
  async add(entry: ZipEntry): Promise<void> {
    if (this.busy || this.finished) throw new CairnError('fatal', 'ZipWriter.add called while busy or after finish.');
    this.busy = true;
    try {
      await this.addEntry(entry);
    } finally {
      this.busy = false;
    }
  }

  private async addEntry(entry: ZipEntry): Promise<void> {
    const nameText = entry.name.replace(/^\/+/, '').replace(/\/+$/, '') + (entry.type === 'dir' ? '/' : '');
    const name = nameToBytes(nameText);
    const utf8 = !hasRawBytes(nameText) && name.length !== nameText.length; // more bytes than UTF-16 units: non-ASCII
    const { dosTime, dosDate } = dosDateTime(entry.mtime, entry.zoneOffsetSeconds ?? 0);
    const extra = timestampExtra(entry.mtime);
    const unixMode = (UNIX_TYPE[entry.type] | (entry.mode & 0o7777)) >>> 0;
    const msdos = (entry.type === 'dir' ? 0x10 : 0) | ((entry.mode & 0o200) === 0 ? 0x01 : 0);
    const base = { name, dosTime, dosDate, extra, offset: this.offset, externalAttrs: ((unixMode << 16) | msdos) >>> 0 };
    const flags = utf8 ? FLAG_UTF8 : 0;

    let known = knownContent(entry);
    let source = entry.data as AsyncIterable<Uint8Array>;
    if (known === undefined && (entry.size ?? SMALL_FILE + 1) <= SMALL_FILE) {
      const small = await gather(source, SMALL_FILE);
      if (Buffer.isBuffer(small)) known = small;
      else source = small; // bigger than announced: streamed after all
    }
    if (known !== undefined) {
      // Content in hand (folders, links, small files): sizes go in the local header, no descriptor.
      const packed = deflateSmall(known, this.level);
      const useDeflate = packed !== undefined && packed.length < known.length;
      const body = useDeflate ? packed : known;
      const w: Written = { ...base, flags, method: useDeflate ? 8 : 0, crc: crc32(known), csize: body.length, usize: known.length };
      const zip64 = this.always64 || w.usize >= U32;
      await this.emit(this.localHeader(w, zip64, false));
      await this.emit(body);
      this.written.push(w);
      return;
    }
    const w: Written = { ...base, flags: flags | FLAG_DESCRIPTOR, method: this.level > 0 ? 8 : 0, crc: 0, csize: 0, usize: 0 };
    const local64 = this.always64 || (entry.size ?? 0) >= ZIP64_SIZE_HINT;
    await this.emit(this.localHeader(w, local64, true));
    if (w.method === 8) await this.deflate(source, w);
    else await this.store(source, w);
    await this.emit(dataDescriptor(w, local64 || w.csize >= U32 || w.usize >= U32));
    this.written.push(w);
  }

  private async store(source: AsyncIterable<Uint8Array>, w: Written): Promise<void> {
    for await (const chunk of source) {
      w.crc = crc32(chunk, w.crc);
      w.usize += chunk.length;
      w.csize += chunk.length;
      await this.emit(chunk);
    }
  }

  private async deflate(source: AsyncIterable<Uint8Array>, w: Written): Promise<void> {
    const z = createDeflateRaw({ level: this.level });
    const feed = (async () => {
      try {
        for await (const chunk of source) {
          w.crc = crc32(chunk, w.crc);
          w.usize += chunk.length;
          if (!z.write(chunk)) await drained(z);
        }
        z.end();
      } catch (err) {
        z.destroy(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    })();
    feed.catch(() => undefined); // awaited below; the output may fail first
    let outputFailed = false;
    try {
      for await (const chunk of z as AsyncIterable<Buffer>) {
        w.csize += chunk.length;
        outputFailed = true;
        await this.emit(chunk);
        outputFailed = false;
      }
    } catch (err) {
      if (!z.destroyed) z.destroy();
      const sourceError = await feed.then(
        () => undefined,
        (e: unknown) => e,
      );
      // A failed source explains more than the deflate stream it broke; a closed output is its own reason.
      throw outputFailed ? err : (sourceError ?? err);
    }
    await feed;
  }

  /** Writes the central directory and the end records. */
  async finish(): Promise<void> {
    if (this.busy || this.finished) throw new CairnError('fatal', 'ZipWriter.finish called while busy or twice.');
    this.finished = true;
    const cdStart = this.offset;
    for (const w of this.written) await this.emit(this.centralHeader(w));
    const cdSize = this.offset - cdStart;
    const count = this.written.length;
    if (this.always64 || count >= U16 || cdSize >= U32 || cdStart >= U32) {
      const end64At = this.offset;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(0x06064b50, 0);
      r.writeBigUInt64LE(44n, 4);
      r.writeUInt16LE((3 << 8) | 45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdStart), 48);
      r.writeUInt32LE(0x07064b50, 56);
      r.writeBigUInt64LE(BigInt(end64At), 64);
      r.writeUInt32LE(1, 72);
      await this.emit(r);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0);
    e.writeUInt16LE(Math.min(count, U16), 8);
    e.writeUInt16LE(Math.min(count, U16), 10);
    e.writeUInt32LE(Math.min(cdSize, U32), 12);
    e.writeUInt32LE(Math.min(cdStart, U32), 16);
    await this.emit(e);
  }

  private localHeader(w: Written, zip64: boolean, descriptor: boolean): Buffer {
    const extra = zip64 ? Buffer.concat([zip64Extra(descriptor ? [0, 0] : [w.usize, w.csize]), w.extra]) : w.extra;
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    h.writeUInt16LE(w.flags, 6);
    h.writeUInt16LE(w.method, 8);
    h.writeUInt16LE(w.dosTime, 10);
    h.writeUInt16LE(w.dosDate, 12);
    h.writeUInt32LE(descriptor ? 0 : w.crc, 14);
    h.writeUInt32LE(zip64 ? U32 : descriptor ? 0 : w.csize, 18);
    h.writeUInt32LE(zip64 ? U32 : descriptor ? 0 : w.usize, 22);
    h.writeUInt16LE(w.name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    return Buffer.concat([h, w.name, extra]);
  }

  private centralHeader(w: Written): Buffer {
    const sizes64 = this.always64 || w.usize >= U32 || w.csize >= U32;
    const offset64 = this.always64 || w.offset >= U32;
    const fields64 = [...(sizes64 ? [w.usize, w.csize] : []), ...(offset64 ? [w.offset] : [])];
    const extra = fields64.length > 0 ? Buffer.concat([zip64Extra(fields64), w.extra]) : w.extra;
    const version = fields64.length > 0 ? 45 : 20;
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE((3 << 8) | version, 4); // made by Unix, so the mode in the external attributes counts
    h.writeUInt16LE(version, 6);
    h.writeUInt16LE(w.flags, 8);
    h.writeUInt16LE(w.method, 10);
    h.writeUInt16LE(w.dosTime, 12);
    h.writeUInt16LE(w.dosDate, 14);
    h.writeUInt32LE(w.crc, 16);
    h.writeUInt32LE(sizes64 ? U32 : w.csize, 20);
    h.writeUInt32LE(sizes64 ? U32 : w.usize, 24);
    h.writeUInt16LE(w.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt32LE(w.externalAttrs, 38);
    h.writeUInt32LE(offset64 ? U32 : w.offset, 42);
    return Buffer.concat([h, w.name, extra]);
  }

  private async emit(buf: Uint8Array): Promise<void> {
    if (buf.length === 0) return;
    const out = this.out as NodeJS.WritableStream & { destroyed?: boolean };
    if (out.destroyed === true) throw closedEarly();
    this.offset += buf.length;
    if (!out.write(buf)) await drained(out);
  }
}

function closedEarly(): CairnError {
  return new CairnError('interrupted', 'The zip stream was closed before the archive was complete.');
}

/** Waits for 'drain'; a stream closed meanwhile (a download cancelled) ends the wait with an error, never a hang. */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', done);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(closedEarly());
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', done);
  });
}

/** Content known before writing: folders and the like (empty), a link target, a buffer. */
function knownContent(entry: ZipEntry): Buffer | undefined {
  if (entry.type === 'symlink') return nameToBytes(entry.linkTarget ?? '');
  if (entry.type !== 'file' || entry.data === undefined) return Buffer.alloc(0);
  if (entry.data instanceof Uint8Array) return Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length);
  return undefined;
}

/**
 * A source's bytes if they come to at most `max`; otherwise the same source again (what was read, then the rest),
 * so nothing is read twice and nothing is lost.
 */
async function gather(source: AsyncIterable<Uint8Array>, max: number): Promise<Buffer | AsyncIterable<Uint8Array>> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (let r = await it.next(); ; r = await it.next()) {
    if (r.done === true) return Buffer.concat(head, size);
    head.push(r.value);
    size += r.value.length;
    if (size > max) break;
  }
  return (async function* rest() {
    yield* head;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
  })();
}

/**
 * Deflated at `level`, or undefined when it is not worth trying. The output buffer fits the data (zlib's default is
 * 16 KiB per call: 100,000 small files left 1.6 GB of buffers to the garbage collector).
 */
function deflateSmall(data: Buffer, level: number): Buffer | undefined {
  if (level === 0 || data.length < TINY_FILE) return undefined;
  return deflateRawSync(data, { level, chunkSize: Math.min(16 * 1024, data.length + 64) });
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function dataDescriptor(w: Written, zip64: boolean): Buffer {
  const b = Buffer.alloc(zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(w.crc, 4);
  if (zip64) {
    b.writeBigUInt64LE(BigInt(w.csize), 8);
    b.writeBigUInt64LE(BigInt(w.usize), 16);
  } else {
    b.writeUInt32LE(w.csize, 8);
    b.writeUInt32LE(w.usize, 12);
  }
  return b;
}

/** The "UT" extended timestamp (modification time only), when the time fits its unsigned 32 bits as Go writes it. */
function timestampExtra(mtime: Date): Buffer {
  const secs = Math.floor(mtime.getTime() / 1000);
  if (!Number.isFinite(secs) || secs < 0 || secs > U32) return Buffer.alloc(0);
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeUInt32LE(secs, 5);
  return b;
}

/** MS-DOS date and time (2 s steps, 1980–2107, clamped) of `mtime` seen in the zone `offsetSeconds` east of UTC. */
export function dosDateTime(mtime: Date, offsetSeconds: number): { dosTime: number; dosDate: number } {
  const ms = mtime.getTime();
  const t = new Date(Number.isFinite(ms) ? ms + offsetSeconds * 1000 : 0);
  let year = t.getUTCFullYear();
  if (year < 1980) return { dosTime: 0, dosDate: (1 << 5) | 1 };
  if (year > 2107) year = 2107;
  return {
    dosTime: (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1),
    dosDate: ((year - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate(),
  };
}
