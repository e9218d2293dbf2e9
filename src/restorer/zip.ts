/**
 * A folder of a snapshot as a zip stream (what people on Windows open without tools): entries STOREd, each file's
 * CRC and size in a data descriptor after its bytes, so nothing is buffered; Zip64 records where sizes, offsets or
 * the entry count need them. Names are relative to the folder, UTF-8 (flag bit 11); symlinks keep their Unix mode.
 */
import { crc32 } from 'node:zlib';
import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import { nameToBytes, throwIfAborted } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree, parseTime } from '../snapshot/index.js';
import { streamContent, writeOut } from './dump.js';
import { checkTreeNames } from './selection.js';

const MAX32 = 0xffffffff;
const UTF8 = 0x0800;
const DESCRIPTOR = 0x0008;
const SLASH = Buffer.from('/');

interface Entry {
  name: Buffer;
  flags: number;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
  mode: number;
}

/** Writes the folder `treeId` of `snapshot` (its contents, not itself) to `out` as a zip archive. */
export async function zipFolder(
  repo: Repository,
  snapshot: StoredSnapshot,
  treeId: Id,
  out: NodeJS.WritableStream,
  signal?: AbortSignal,
): Promise<void> {
  const entries: Entry[] = [];
  let offset = 0;
  const write = async (buf: Buffer): Promise<void> => {
    offset += buf.length;
    await writeOut(out, buf);
  };
  const walk = async (id: Id, prefix: string): Promise<void> => {
    throwIfAborted(signal);
    const tree = await loadTree(repo, id);
    checkTreeNames(tree, snapshot.id, prefix === '' ? '/' : `/${prefix}`);
    for (const node of tree.nodes) {
      const name = prefix + node.name;
      if (node.type === 'dir') {
        await addEntry(node, `${name}/`, Buffer.alloc(0));
        if (node.subtree !== undefined) await walk(node.subtree, `${name}/`);
      } else if (node.type === 'symlink') {
        await addEntry(node, name, Buffer.from(node.linktarget ?? ''));
      } else if (node.type === 'file') {
        await addEntry(node, name, undefined);
      }
    }
  };
  const addEntry = async (node: TreeNode, name: string, data: Buffer | undefined): Promise<void> => {
    const { time, date } = dosTime(node.mtime);
    const e: Entry = {
      name: Buffer.concat(
        name.split('/').flatMap((part, i) => (i === 0 ? [nameToBytes(part)] : [SLASH, nameToBytes(part)])),
      ),
      flags: UTF8 | (data === undefined ? DESCRIPTOR : 0),
      crc: data === undefined ? 0 : crc32(data),
      size: data?.length ?? 0,
      offset,
      time,
      date,
      mode: unixMode(node),
    };
    const big = data === undefined && (node.size ?? 0) >= MAX32;
    entries.push(e);
    await write(localHeader(e, big));
    if (data !== undefined) {
      await write(data);
      return;
    }
    let crc = 0;
    let size = 0;
    await streamContent(
      repo,
      node.content ?? [],
      async (buf) => {
        crc = crc32(buf, crc);
        size += buf.length;
        await write(buf);
      },
      signal,
    );
    e.crc = crc;
    e.size = size;
    await write(descriptor(e, big));
  };
  await walk(treeId, '');
  const cdStart = offset;
  for (const e of entries) await write(centralHeader(e));
  await write(end(entries.length, cdStart, offset - cdStart, offset));
}

function unixMode(node: TreeNode): number {
  const perm = (node.mode ?? 0) & 0o7777;
  const type = node.type === 'dir' ? 0o040000 : node.type === 'symlink' ? 0o120000 : 0o100000;
  return type | perm;
}

/** MS-DOS date and time (2-second steps, 1980–2107) of an RFC 3339 time, in UTC. */
function dosTime(rfc3339: string): { time: number; date: number } {
  let d = new Date(Number(parseTime(rfc3339) / 1_000_000n));
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1980) d = new Date(Date.UTC(1980, 0, 1));
  const year = Math.min(d.getUTCFullYear(), 2107) - 1980;
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: (year << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function localHeader(e: Entry, zip64: boolean): Buffer {
  const extra = zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(zip64 ? 45 : 20, 4);
  h.writeUInt16LE(e.flags, 6);
  h.writeUInt16LE(0, 8); // stored
  h.writeUInt16LE(e.time, 10);
  h.writeUInt16LE(e.date, 12);
  h.writeUInt32LE(e.crc, 14);
  const known = (e.flags & DESCRIPTOR) === 0;
  h.writeUInt32LE(zip64 ? MAX32 : known ? e.size : 0, 18);
  h.writeUInt32LE(zip64 ? MAX32 : known ? e.size : 0, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, e.name, extra]);
}

function descriptor(e: Entry, zip64: boolean): Buffer {
  const d = Buffer.alloc(zip64 ? 24 : 16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(e.crc, 4);
  if (zip64) {
    d.writeBigUInt64LE(BigInt(e.size), 8);
    d.writeBigUInt64LE(BigInt(e.size), 16);
  } else {
    d.writeUInt32LE(e.size, 8);
    d.writeUInt32LE(e.size, 12);
  }
  return d;
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function centralHeader(e: Entry): Buffer {
  // Zip64 fields appear in this order, each only when its 32-bit field says 0xFFFFFFFF.
  const big = [e.size, e.size, e.offset].map((v) => v >= MAX32);
  const extraValues = [e.size, e.size, e.offset].filter((_, i) => big[i]);
  const extra = extraValues.length > 0 ? zip64Extra(extraValues) : Buffer.alloc(0);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | 45, 4); // made by Unix, spec 4.5
  h.writeUInt16LE(extraValues.length > 0 ? 45 : 20, 6);
  h.writeUInt16LE(e.flags, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(e.time, 12);
  h.writeUInt16LE(e.date, 14);
  h.writeUInt32LE(e.crc, 16);
  h.writeUInt32LE(big[0] ? MAX32 : e.size, 20);
  h.writeUInt32LE(big[1] ? MAX32 : e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attributes
  h.writeUInt32LE((e.mode << 16) >>> 0, 38);
  h.writeUInt32LE(big[2] ? MAX32 : e.offset, 42);
  return Buffer.concat([h, e.name, extra]);
}

/** The end records: Zip64's record and locator when the count, size or offset overflow the classic one. */
function end(count: number, cdStart: number, cdSize: number, at: number): Buffer {
  const zip64 = count >= 0xffff || cdStart >= MAX32 || cdSize >= MAX32;
  const parts: Buffer[] = [];
  if (zip64) {
    const r = Buffer.alloc(56);
    r.writeUInt32LE(0x06064b50, 0);
    r.writeBigUInt64LE(44n, 4);
    r.writeUInt16LE((3 << 8) | 45, 12);
    r.writeUInt16LE(45, 14);
    r.writeBigUInt64LE(BigInt(count), 24);
    r.writeBigUInt64LE(BigInt(count), 32);
    r.writeBigUInt64LE(BigInt(cdSize), 40);
    r.writeBigUInt64LE(BigInt(cdStart), 48);
    const l = Buffer.alloc(20);
    l.writeUInt32LE(0x07064b50, 0);
    l.writeBigUInt64LE(BigInt(at), 8);
    l.writeUInt32LE(1, 16);
    parts.push(r, l);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(zip64 ? 0xffff : count, 8);
  e.writeUInt16LE(zip64 ? 0xffff : count, 10);
  e.writeUInt32LE(zip64 ? MAX32 : cdSize, 12);
  e.writeUInt32LE(zip64 ? MAX32 : cdStart, 16);
  parts.push(e);
  return Buffer.concat(parts);
}
