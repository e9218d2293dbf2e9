/**
 * Tar headers with names as bytes. File names, link targets and extended attribute values are byte strings that
 * need not be UTF-8; restic's dump (Go's archive/tar) writes them verbatim into PAX records, and so do we. A name
 * that fits ustar (ASCII, ≤ 100 bytes) goes into the ustar header alone; anything else, or a number too big for
 * its octal field, gets a PAX extended header first (POSIX.1-2001), which GNU tar, bsdtar and Go read.
 */

export type TarType = 'file' | 'directory' | 'symlink' | 'fifo' | 'block-device' | 'character-device';

export interface TarEntry {
  name: Buffer;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  uname?: string | undefined;
  gname?: string | undefined;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  linkname?: Buffer | undefined;
  devmajor?: number | undefined;
  devminor?: number | undefined;
  /** Extra PAX records (e.g. `SCHILY.xattr.NAME`), values as bytes. */
  pax?: ReadonlyArray<readonly [string, Buffer]>;
}

const BLOCK = 512;
const TYPE_FLAGS: Record<TarType, string> = {
  file: '0',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

/** The end of an archive: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** The zeros that complete an entry's data of `size` bytes to whole blocks. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header blocks of one entry (a PAX header first when needed); the entry's data and padding follow. */
export function tarHeader(e: TarEntry): Buffer {
  const records: Buffer[] = [];
  const ustarName = fitsUstar(e.name, 100) ? e.name : undefined;
  if (ustarName === undefined) records.push(paxRecord('path', e.name));
  const link = e.linkname ?? Buffer.alloc(0);
  if (!fitsUstar(link, 100)) records.push(paxRecord('linkpath', link));
  for (const [key, text] of [['uname', e.uname], ['gname', e.gname]] as const) {
    if (text !== undefined && !fitsUstar(Buffer.from(text), 32)) records.push(paxRecord(key, Buffer.from(text)));
  }
  for (const [key, n, width] of [['uid', e.uid, 8], ['gid', e.gid, 8], ['size', e.size, 12]] as const) {
    if (!fitsOctal(n, width)) records.push(paxRecord(key, Buffer.from(String(n))));
  }
  for (const [key, value] of e.pax ?? []) records.push(paxRecord(key, value));

  const main = ustarBlock(e, ustarName ?? asciiPrefix(e.name), link);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const paxHeader = ustarBlock(
    { name: Buffer.from('PaxHeader'), type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: e.mtime, size: body.length },
    Buffer.from('PaxHeader'),
    Buffer.alloc(0),
    'x',
  );
  return Buffer.concat([paxHeader, body, tarPadding(body.length), main]);
}

/** `"LEN KEY=VALUE\n"`, where LEN counts the whole record including its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function ustarBlock(e: TarEntry, name: Buffer, link: Buffer, typeFlag = TYPE_FLAGS[e.type]): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, 100);
  octal(b, 100, 8, e.mode & 0o7777);
  octal(b, 108, 8, e.uid);
  octal(b, 116, 8, e.gid);
  octal(b, 124, 12, e.size);
  octal(b, 136, 12, Math.max(0, Math.floor(e.mtime)));
  b.write(typeFlag, 156, 'latin1');
  if (fitsUstar(link, 100)) link.copy(b, 157);
  b.write('ustar\u000000', 257, 'latin1');
  for (const [text, at] of [[e.uname, 265], [e.gname, 297]] as const) {
    if (text !== undefined && fitsUstar(Buffer.from(text), 32)) b.write(text, at, 'latin1');
  }
  if (e.devmajor !== undefined) octal(b, 329, 8, e.devmajor);
  if (e.devminor !== undefined) octal(b, 337, 8, e.devminor);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return b;
}

/** Octal digits and a NUL in `width` bytes; a number that does not fit is left zero (its PAX record says it). */
function octal(b: Buffer, at: number, width: number, n: number): void {
  if (fitsOctal(n, width)) b.write(`${n.toString(8).padStart(width - 1, '0')}\u0000`, at, 'latin1');
}

function fitsOctal(n: number, width: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n < 8 ** (width - 1);
}

/** ustar's text fields hold ASCII without NUL (what Go's writer requires too). */
function fitsUstar(bytes: Buffer, width: number): boolean {
  return bytes.length <= width && bytes.every((c) => c > 0 && c < 0x80);
}

/** The ustar name of an entry whose real name is in a PAX record: its ASCII bytes, for readers without PAX. */
function asciiPrefix(name: Buffer): Buffer {
  return Buffer.from(name.filter((c) => c > 0 && c < 0x80).subarray(0, 100));
}
