import { CairnError, nameFromBytes } from '../../core/index.js';

/** One archive entry's header, names as the project holds them (bytes that are not UTF-8 as lone surrogates). */
export interface TarHeader {
  /** The entry's path (the PAX `path` record, a GNU long name, or the ustar prefix and name). */
  path: string;
  /** A link's target; '' for other entries. */
  linkpath: string;
  /** The typeflag: '0' file, '1' hard link, '2' symlink, '3' character device, '4' block device, '5' folder, '6' fifo. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** The PAX `mtime` record to the nanosecond when there is one, else the header's whole seconds. */
  mtimeNs: bigint;
  devmajor: number;
  devminor: number;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; what is not read is skipped when the next entry is asked for. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;

/**
 * Reads a tar stream (ustar, PAX and GNU long names, as Docker's archive endpoint writes them), keeping every name
 * byte-exact. tar-stream decodes PAX records as UTF-8, so a name that is not UTF-8 (Go writes such names as raw bytes
 * into the `path` record) would come back with U+FFFD in place of its bytes; here names are decoded with
 * `nameFromBytes`, which gives the bytes back.
 * @throws CairnError 'fatal' for an archive that ends early or whose header checksum is wrong.
 */
export async function* readTar(input: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<TarEntry> {
  const bytes = new ByteReader(input[Symbol.asyncIterator](), what);
  let global = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (;;) {
    const block = await bytes.read(BLOCK);
    if (block.length === 0 || block.every((b) => b === 0)) return;
    if (block.length < BLOCK) throw bytes.truncated();
    checkSum(block, what);
    const type = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
    const size = numberAt(block, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      const data = (await bytes.exactly(padded)).subarray(0, size);
      if (type === 'x') pax = new Map([...pax, ...parsePax(data)]);
      else if (type === 'g') global = new Map([...global, ...parsePax(data)]);
      else if (type === 'L') longName = cString(data);
      else longLink = cString(data);
      continue;
    }
    const records = new Map([...global, ...pax]);
    const name = cString(block.subarray(0, 100));
    const prefix = isUstar(block) ? cString(block.subarray(345, 500)) : Buffer.alloc(0);
    const path =
      records.get('path') ?? longName ?? (prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name);
    const link = records.get('linkpath') ?? longLink ?? cString(block.subarray(157, 257));
    const fromPax = (key: string, fallback: number): number => {
      const v = records.get(key)?.toString('latin1');
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
    };
    const header: TarHeader = {
      path: nameFromBytes(path),
      linkpath: nameFromBytes(link),
      type,
      mode: numberAt(block, 100, 8),
      uid: fromPax('uid', numberAt(block, 108, 8)),
      gid: fromPax('gid', numberAt(block, 116, 8)),
      size: fromPax('size', size),
      mtimeNs: paxTime(records.get('mtime')) ?? BigInt(numberAt(block, 136, 12)) * 1_000_000_000n,
      devmajor: numberAt(block, 329, 8),
      devminor: numberAt(block, 337, 8),
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    // As Go's reader: links, devices, folders and fifos carry no data whatever their size field says.
    const left = { n: HEADER_ONLY.includes(type) ? 0 : header.size };
    const padding = Math.ceil(left.n / BLOCK) * BLOCK - left.n;
    yield { header, body: bytes.upTo(left) };
    await bytes.skip(left.n + padding);
  }
}

const HEADER_ONLY = ['1', '2', '3', '4', '5', '6'];

/** Pulls exact byte counts from a stream of chunks. */
class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly what: string,
  ) {}

  /** Up to `n` bytes: fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.pending.length < n && !this.ended) {
      const next = await this.source.next();
      if (next.done === true) this.ended = true;
      else this.pending = Buffer.concat([this.pending, Buffer.from(next.value)]);
    }
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  async exactly(n: number): Promise<Buffer> {
    const out = await this.read(n);
    if (out.length < n) throw this.truncated();
    return out;
  }

  /** Drops the next `n` bytes without holding them. */
  async skip(n: number): Promise<void> {
    for await (const piece of this.upTo({ n })) void piece;
  }

  /** The next `left.n` bytes as they come, counting `left.n` down. */
  async *upTo(left: { n: number }): AsyncGenerator<Buffer> {
    while (left.n > 0) {
      if (this.pending.length === 0) {
        const next = await this.source.next();
        if (next.done === true) throw this.truncated();
        this.pending = Buffer.from(next.value);
      }
      const piece = this.pending.subarray(0, left.n);
      this.pending = this.pending.subarray(piece.length);
      left.n -= piece.length;
      yield piece;
    }
  }

  truncated(): CairnError {
    return new CairnError('fatal', `The archive of ${this.what} ends in the middle of an entry.`);
  }
}

/** PAX records `LEN KEY=VALUE\n`, values kept as bytes (Go writes names as they are, UTF-8 or not). */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) break;
    const record = data.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.toString('latin1', 0, eq), record.subarray(eq + 1));
    at += len;
  }
  return out;
}

/** A PAX time (`SECONDS[.FRACTION]`) in nanoseconds. */
function paxTime(v: Buffer | undefined): bigint | undefined {
  const m = v === undefined ? null : /^(\d+)(?:\.(\d+))?$/.exec(v.toString('latin1'));
  if (!m) return undefined;
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
}

/** A numeric field: octal text, or base-256 when its first byte has the high bit set (GNU, for large values). */
function numberAt(block: Buffer, at: number, len: number): number {
  const field = block.subarray(at, at + len);
  if ((field[0]! & 0x80) !== 0) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(b: Buffer): Buffer {
  const end = b.indexOf(0);
  return end < 0 ? b : b.subarray(0, end);
}

function isUstar(block: Buffer): boolean {
  return block.toString('latin1', 257, 262) === 'ustar';
}

function checkSum(block: Buffer, what: string): void {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  if (sum !== numberAt(block, 148, 8))
    throw new CairnError('fatal', `The archive of ${what} has a damaged header (its checksum does not match).`);
}
