import type { Id } from '../core/index.js';
import type { IndexEntry } from './types.js';

/** Blobs of one pack fetched in a single backend read of `length` bytes from `offset`, in pack order. */
export interface PackRange<B extends { entry: IndexEntry }> {
  packId: Id;
  offset: number;
  length: number;
  blobs: B[];
  /** The pack's last range: once it is done, so is the pack. */
  endsPack: boolean;
}

/**
 * Groups the wanted blobs of one pack into as few reads as is sensible: a gap of up to `maxGap` bytes between two
 * blobs is read and thrown away rather than costing another request, and no read grows past `maxRange` bytes (a
 * larger blob is read on its own). Sorts `blobs` by offset in place.
 */
export function splitRanges<B extends { entry: IndexEntry }>(
  packId: Id,
  blobs: B[],
  limits: { maxGap: number; maxRange: number },
): PackRange<B>[] {
  blobs.sort((a, b) => a.entry.offset - b.entry.offset);
  const out: PackRange<B>[] = [];
  let cur: PackRange<B> | undefined;
  for (const blob of blobs) {
    const { offset, length } = blob.entry;
    const end = offset + length;
    if (cur !== undefined && offset - (cur.offset + cur.length) <= limits.maxGap && end - cur.offset <= limits.maxRange) {
      cur.length = Math.max(cur.length, end - cur.offset);
      cur.blobs.push(blob);
      continue;
    }
    cur = { packId, offset, length, blobs: [blob], endsPack: false };
    out.push(cur);
  }
  if (cur !== undefined) cur.endsPack = true;
  return out;
}
