import type { BlobType, Id } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import { decodeIndex } from '../repository/index.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { forEachLimit } from '../util/index.js';

/** One blob as the index places it. */
export interface IndexedBlob extends PackBlob {
  packId: Id;
}

/**
 * The union of all index files that could be loaded, built by check itself (as restic's checker does) so that one
 * broken index file is reported and the rest is still checked.
 */
export interface CheckIndex {
  /** Pack id → its blobs, an entry listed by several index files kept once. */
  packs: Map<Id, IndexedBlob[]>;
  /** Blob id → every place it is stored (duplicates across packs are legal). */
  blobs: Record<BlobType, Map<Id, IndexedBlob[]>>;
  indexFiles: number;
}

function entryKey(b: PackBlob): string {
  return `${b.type}:${b.id}:${b.offset}:${b.length}:${b.uncompressedLength ?? ''}`;
}

function addPack(index: CheckIndex, seen: Map<Id, Set<string>>, packId: Id, blobs: readonly PackBlob[]): void {
  let list = index.packs.get(packId);
  let keys = seen.get(packId);
  if (!list || !keys) {
    list = [];
    keys = new Set();
    index.packs.set(packId, list);
    seen.set(packId, keys);
  }
  for (const b of blobs) {
    const key = entryKey(b);
    if (keys.has(key)) continue;
    keys.add(key);
    const entry: IndexedBlob = { ...b, packId };
    list.push(entry);
    const byId = index.blobs[b.type];
    const places = byId.get(b.id);
    if (places) places.push(entry);
    else byId.set(b.id, [entry]);
  }
}

/** Loads every index file; each one that cannot be loaded or decoded is one error line. */
export async function loadCheckIndex(repo: Repository, report: CheckReport, concurrency: number): Promise<CheckIndex> {
  const index: CheckIndex = { packs: new Map(), blobs: { data: new Map(), tree: new Map() }, indexFiles: 0 };
  const ids: Id[] = [];
  for await (const f of repo.list('index')) ids.push(f.name);
  ids.sort();
  const seen = new Map<Id, Set<string>>();
  /** Pack id → the index files that list it. */
  const listedIn = new Map<Id, Id[]>();
  let done = 0;
  report.progress('index', 0, ids.length);
  await forEachLimit(ids, concurrency, async (id) => {
    report.throwIfAborted();
    try {
      const doc = decodeIndex(await repo.loadUnpacked('index', id), `index file ${id}`);
      for (const p of doc.packs) {
        addPack(index, seen, p.id, p.blobs);
        const files = listedIn.get(p.id);
        if (files === undefined) listedIn.set(p.id, [id]);
        else if (!files.includes(id)) files.push(id);
      }
      index.indexFiles++;
    } catch (err) {
      report.error(`index ${id}: cannot be loaded: ${reason(err)}`);
    }
    report.progress('index', ++done, ids.length);
  });
  // A hint, not an error (restic's wording): the copies agree or the pack check says otherwise.
  for (const [packId, files] of listedIn) {
    if (files.length < 2) continue;
    const short = files.map((f) => f.slice(0, 8)).sort();
    report.warning(`pack ${packId} contained in several indexes: {${short.join(' ')}}`);
  }
  return index;
}

/** Size of the sealed header of a pack holding `blobs`: entries of 37 or 41 bytes plus IV and MAC. */
export function headerSize(blobs: readonly PackBlob[]): number {
  let size = 32;
  for (const b of blobs) size += b.uncompressedLength === undefined ? 37 : 41;
  return size;
}

/** The pack file size the index implies: blobs, sealed header, and the 4-byte header length. */
export function expectedPackSize(blobs: readonly PackBlob[]): number {
  let size = headerSize(blobs) + 4;
  for (const b of blobs) size += b.length;
  return size;
}
