import type { PackBlob } from '../repository/index.js';

/** A contiguous range of a pack read at once, with the blobs wholly inside it and their indexes in the list given. */
export interface PackSegment {
  start: number;
  end: number;
  blobs: { index: number; blob: PackBlob }[];
}

/**
 * Cuts a pack of `size` bytes into contiguous segments of about `target` bytes (a larger blob gets one of its own),
 * only where no blob spans the cut, so that each blob lies wholly in one segment. Blobs past `size` are left out (the
 * caller reports them); the bytes after the last blob (the header) and gaps without blobs are cut by size alone.
 * The segments cover [0, size) in order, so hashing them in order hashes the pack.
 */
export function planSegments(blobs: readonly PackBlob[], size: number, target: number): PackSegment[] {
  const order = blobs
    .map((blob, index) => ({ index, blob }))
    .filter(({ blob }) => blob.offset + blob.length <= size)
    .sort((a, b) => a.blob.offset - b.blob.offset);
  const out: PackSegment[] = [];
  let cur: PackSegment = { start: 0, end: 0, blobs: [] };
  let reach = 0;
  const cut = (at: number): void => {
    cur.end = at;
    if (cur.blobs.length > 0) out.push(cur);
    else for (let s = cur.start; s < at; s += target) out.push({ start: s, end: Math.min(at, s + target), blobs: [] });
    cur = { start: at, end: 0, blobs: [] };
  };
  for (const entry of order) {
    const b = entry.blob;
    // A gap without blobs before this one is a segment of its own; so is everything that would exceed the target.
    if (b.offset >= reach && (b.offset > reach || b.offset + b.length - cur.start > target) && b.offset > cur.start) {
      if (reach > cur.start && cur.blobs.length > 0) cut(reach);
      if (b.offset > cur.start) cut(b.offset);
    }
    cur.blobs.push(entry);
    reach = Math.max(reach, b.offset + b.length);
  }
  if (reach > cur.start) cut(reach);
  if (size > cur.start) cut(size);
  return out;
}
