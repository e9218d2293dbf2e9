import type { BlobType, Id } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { IndexEntry, PackBlob } from './types.js';

const ID_BYTES = 32;

/** Where a blob a pack header (or index file) lists lives, as an index entry. */
export function toEntry(packId: Id, b: PackBlob): IndexEntry {
  const e: IndexEntry = { type: b.type, packId, offset: b.offset, length: b.length };
  if (b.uncompressedLength !== undefined) e.uncompressedLength = b.uncompressedLength;
  return e;
}
const NO_LENGTH = 0xffffffff;
/** Entries live in fixed segments of 2^14 (≈ 800 KiB): growing never copies, and at most one segment is unused. */
const SEG_SHIFT = 14;
const SEG_SIZE = 1 << SEG_SHIFT;
const SEG_MASK = SEG_SIZE - 1;
/** The hash table grows when it would be fuller than this (linear probing stays short below ~0.7). */
const MAX_LOAD = 0.7;

class Segment {
  readonly ids = new Uint8Array(SEG_SIZE * ID_BYTES);
  readonly packNo = new Uint32Array(SEG_SIZE);
  readonly offsets = new Uint32Array(SEG_SIZE);
  readonly lengths = new Uint32Array(SEG_SIZE);
  readonly ulens = new Uint32Array(SEG_SIZE);
  readonly types = new Uint8Array(SEG_SIZE);

  get byteLength(): number {
    return SEG_SIZE * (ID_BYTES + 4 * 4 + 1);
  }
}

/**
 * The union of all index files, built for millions of blobs: entries live in segments of typed arrays (32-byte id,
 * pack number, offset, length, uncompressed length, type: 49 bytes each) behind an open-addressing hash table keyed
 * by the id's first 4 bytes (ids are SHA-256, so they are uniform). No JS object per blob.
 * The same blob may be stored in several packs: every copy is kept, in insertion order.
 */
export class MasterIndex {
  private readonly segments: Segment[] = [];
  private count = 0;
  /** Slot → entry number + 1; 0 = empty. Kept at most MAX_LOAD full. */
  private table = new Uint32Array(16);
  private readonly packIds: Id[] = [];
  private readonly packNumbers = new Map<Id, number>();
  private readonly scratch = Buffer.alloc(ID_BYTES);

  get size(): number {
    return this.count;
  }

  get packCount(): number {
    return this.packIds.length;
  }

  hasPack(packId: Id): boolean {
    return this.packNumbers.has(packId);
  }

  packs(): Iterable<Id> {
    return this.packNumbers.keys();
  }

  /** Adds one blob location; the same (type, id, pack) twice is stored once. */
  add(id: Id, entry: IndexEntry): void {
    const key = this.idBytes(id);
    const type = entry.type === 'tree' ? 1 : 0;
    let pack = this.packNumbers.get(entry.packId);
    if (pack !== undefined) {
      for (const e of this.matches(key, type))
        if (this.segments[e >>> SEG_SHIFT]!.packNo[e & SEG_MASK] === pack) return;
    } else {
      pack = this.packIds.length;
      this.packIds.push(entry.packId);
      this.packNumbers.set(entry.packId, pack);
    }
    if (entry.offset > 0xfffffffe || entry.length > 0xfffffffe) {
      throw new CairnError(
        'corrupt',
        `Blob ${id} in pack ${entry.packId} has an offset or length beyond 4 GiB.`,
      );
    }
    this.ensureCapacity(this.count + 1);
    const n = this.count++;
    const seg = this.segments[n >>> SEG_SHIFT]!;
    const i = n & SEG_MASK;
    seg.ids.set(key, i * ID_BYTES);
    seg.packNo[i] = pack;
    seg.offsets[i] = entry.offset;
    seg.lengths[i] = entry.length;
    seg.ulens[i] = entry.uncompressedLength ?? NO_LENGTH;
    seg.types[i] = type;
    this.insertSlot(n);
  }

  /** The first known location of a blob. */
  lookup(type: BlobType, id: Id): IndexEntry | undefined {
    const n = this.first(this.idBytes(id), type === 'tree' ? 1 : 0);
    return n < 0 ? undefined : this.entry(n);
  }

  /** Every known location of a blob (several when it was stored in several packs). */
  lookupAll(type: BlobType, id: Id): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const e of this.matches(this.idBytes(id), type === 'tree' ? 1 : 0)) out.push(this.entry(e));
    return out;
  }

  has(type: BlobType, id: Id): boolean {
    return this.first(this.idBytes(id), type === 'tree' ? 1 : 0) >= 0;
  }

  *entries(): IterableIterator<[Id, IndexEntry]> {
    for (let n = 0; n < this.count; n++) {
      yield [this.idHex(n), this.entry(n)];
    }
  }

  /** The blobs of each pack (but those of `skip`), as its header would list them, in no particular order. */
  byPack(skip: ReadonlySet<Id> = new Set()): Map<Id, PackBlob[]> {
    const out = new Map<Id, PackBlob[]>();
    for (const [id, e] of this.entries()) {
      if (skip.has(e.packId)) continue;
      const b: PackBlob = { type: e.type, id, offset: e.offset, length: e.length };
      if (e.uncompressedLength !== undefined) b.uncompressedLength = e.uncompressedLength;
      const list = out.get(e.packId);
      if (list === undefined) out.set(e.packId, [b]);
      else list.push(b);
    }
    return out;
  }

  /** A copy without the blobs stored in `packs` (index files that disappeared, e.g. after another process's prune). */
  without(packs: ReadonlySet<Id>): MasterIndex {
    const out = new MasterIndex();
    for (let n = 0; n < this.count; n++) {
      const e = this.entry(n);
      if (packs.has(e.packId)) continue;
      out.add(this.idHex(n), e);
    }
    return out;
  }

  /** Approximate bytes held by the arrays (for reports and tests). */
  byteSize(): number {
    return this.segments.reduce((n, s) => n + s.byteLength, this.table.byteLength);
  }

  /** The id's bytes in a scratch buffer; a hand-rolled decoder, as this runs for every blob of every lookup. */
  private idBytes(id: Id): Buffer {
    const out = this.scratch;
    let bad = id.length !== 64;
    for (let i = 0; i < ID_BYTES && !bad; i++) {
      const hi = HEX[id.charCodeAt(2 * i) & 0x7f]!;
      const lo = HEX[id.charCodeAt(2 * i + 1) & 0x7f]!;
      bad = hi > 15 || lo > 15 || id.charCodeAt(2 * i) > 0x7f || id.charCodeAt(2 * i + 1) > 0x7f;
      out[i] = (hi << 4) | lo;
    }
    if (bad) throw new CairnError('invalid-argument', `"${id}" is not a valid 64-character hex id.`);
    return out;
  }

  private idHex(n: number): Id {
    const seg = this.segments[n >>> SEG_SHIFT]!;
    return Buffer.from(seg.ids.buffer, (n & SEG_MASK) * ID_BYTES, ID_BYTES).toString('hex');
  }

  private entry(n: number): IndexEntry {
    const seg = this.segments[n >>> SEG_SHIFT]!;
    const i = n & SEG_MASK;
    const e: IndexEntry = {
      type: seg.types[i] === 1 ? 'tree' : 'data',
      packId: this.packIds[seg.packNo[i]!]!,
      offset: seg.offsets[i]!,
      length: seg.lengths[i]!,
    };
    if (seg.ulens[i] !== NO_LENGTH) e.uncompressedLength = seg.ulens[i]!;
    return e;
  }

  /** The first entry of (key, type), or -1. */
  private first(key: Uint8Array, type: number): number {
    const mask = this.table.length - 1;
    for (let slot = hashOf(key) & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot]!;
      if (v === 0) return -1;
      if (this.sameEntry(v - 1, key, type)) return v - 1;
    }
  }

  private *matches(key: Uint8Array, type: number): Generator<number> {
    const mask = this.table.length - 1;
    for (let slot = hashOf(key) & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot]!;
      if (v === 0) return;
      const n = v - 1;
      if (this.sameEntry(n, key, type)) yield n;
    }
  }

  private sameEntry(n: number, key: Uint8Array, type: number): boolean {
    const seg = this.segments[n >>> SEG_SHIFT]!;
    const i = n & SEG_MASK;
    if (seg.types[i] !== type) return false;
    const ids = seg.ids;
    const base = i * ID_BYTES;
    for (let k = 0; k < ID_BYTES; k++) if (ids[base + k] !== key[k]) return false;
    return true;
  }

  private insertSlot(n: number): void {
    const mask = this.table.length - 1;
    const ids = this.segments[n >>> SEG_SHIFT]!.ids;
    const base = (n & SEG_MASK) * ID_BYTES;
    let slot = hashOf(ids.subarray(base, base + ID_BYTES)) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = n + 1;
  }

  private ensureCapacity(want: number): void {
    if (want > this.segments.length * SEG_SIZE) this.segments.push(new Segment());
    if (want > this.table.length * MAX_LOAD) {
      this.table = new Uint32Array(this.table.length * 2);
      for (let n = 0; n < this.count; n++) this.insertSlot(n);
    }
  }
}

/** Hex digit values by ASCII code; 255 for anything else. */
const HEX = (() => {
  const t = new Uint8Array(128).fill(255);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

function hashOf(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}
