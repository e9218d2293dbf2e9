import type { BlobType } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { open, seal, SEAL_OVERHEAD } from '../crypto/index.js';
import type { PackBlob } from './types.js';

const PLAIN_ENTRY = 37;
const COMPRESSED_ENTRY = 41;
/** restic reads this many bytes from a pack's end first, enough for the header of a pack of 15 blobs. */
export const HEADER_TAIL = 15 * COMPRESSED_ENTRY + 4 + SEAL_OVERHEAD;
const MAX_HEADER = 16 * 1024 * 1024;

export interface HeaderEntry {
  type: BlobType;
  id: string;
  length: number;
  uncompressedLength?: number;
}

/** The plaintext header: one 37/41-byte entry per blob in file order. */
export function encodeHeader(entries: readonly HeaderEntry[]): Buffer {
  let size = 0;
  for (const e of entries) size += e.uncompressedLength === undefined ? PLAIN_ENTRY : COMPRESSED_ENTRY;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const e of entries) {
    const compressed = e.uncompressedLength !== undefined;
    out[pos] = (e.type === 'tree' ? 1 : 0) + (compressed ? 2 : 0);
    out.writeUInt32LE(e.length, pos + 1);
    pos += 5;
    if (compressed) {
      out.writeUInt32LE(e.uncompressedLength!, pos);
      pos += 4;
    }
    pos += out.write(e.id, pos, 32, 'hex');
  }
  return out;
}

/** The bytes that close a pack: the sealed header and its LE32 length. */
export function packTrailer(key: CryptoKey, entries: readonly HeaderEntry[]): Buffer {
  const sealed = seal(key, encodeHeader(entries));
  const out = Buffer.allocUnsafe(sealed.length + 4);
  sealed.copy(out, 0);
  out.writeUInt32LE(sealed.length, sealed.length);
  return out;
}

/** Parses a decrypted header; offsets are the running sum of sealed lengths. */
export function decodeHeader(plain: Uint8Array, what: string): PackBlob[] {
  const buf = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  const out: PackBlob[] = [];
  let pos = 0;
  let offset = 0;
  while (pos < buf.length) {
    const t = buf[pos]!;
    if (t > 3) throw new CairnError('corrupt', `The header of ${what} has an invalid blob type ${t}.`);
    const compressed = t >= 2;
    const size = compressed ? COMPRESSED_ENTRY : PLAIN_ENTRY;
    if (pos + size > buf.length) throw new CairnError('corrupt', `The header of ${what} ends inside an entry.`);
    const length = buf.readUInt32LE(pos + 1);
    const blob: PackBlob = { type: t % 2 === 1 ? 'tree' : 'data', id: '', offset, length };
    if (compressed) blob.uncompressedLength = buf.readUInt32LE(pos + 5);
    blob.id = buf.toString('hex', pos + size - 32, pos + size);
    out.push(blob);
    offset += length;
    pos += size;
  }
  return out;
}

/** Header length from the last 4 bytes of a pack of `fileSize` bytes, checked for plausibility. */
export function headerLength(tail: Uint8Array, fileSize: number, what: string): number {
  const b = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength);
  const len = b.readUInt32LE(b.length - 4);
  if (len < SEAL_OVERHEAD || len + 4 > fileSize || len > MAX_HEADER) {
    throw new CairnError('corrupt', `${what} has an invalid header length ${len} (file size ${fileSize}).`);
  }
  return len;
}

/** Opens and parses the header inside `tail`, the last bytes of a pack (at least header + 4). */
export function parseHeaderTail(key: CryptoKey, tail: Uint8Array, fileSize: number, what: string): PackBlob[] {
  const len = headerLength(tail, fileSize, what);
  const sealed = tail.subarray(tail.length - 4 - len, tail.length - 4);
  let plain: Buffer;
  try {
    plain = open(key, sealed);
  } catch (err) {
    throw new CairnError('corrupt', `The header of ${what} cannot be decrypted.`, { cause: err });
  }
  const blobs = decodeHeader(plain, what);
  const end = blobs.reduce((n, b) => n + b.length, 0);
  if (end > fileSize - 4 - len) {
    throw new CairnError('corrupt', `The header of ${what} names ${end} bytes of blobs but only ${fileSize - 4 - len} precede it.`);
  }
  return blobs;
}

/** Every blob of a whole pack file, from its header. Pure: no I/O. */
export function parsePackHeader(key: CryptoKey, packBytes: Uint8Array, what = 'the pack'): PackBlob[] {
  if (packBytes.length < SEAL_OVERHEAD + 4) throw new CairnError('corrupt', `${what} is too short to be a pack.`);
  return parseHeaderTail(key, packBytes, packBytes.length, what);
}
