import { MAX_SIZE, MIN_SIZE, SPLIT_MASK, WINDOW_SIZE } from './constants.js';
import { tablesFor, type ChunkerTables } from './tables.js';

/** restic does not hash the first MIN_SIZE − 64 bytes of a chunk at all: no cut can happen there. */
const SKIP = MIN_SIZE - WINDOW_SIZE;
/** digest >> 45 in the 32-bit high half. */
const TOP_SHIFT = 45 - 32;
// Module-local copies for the hot loop: some loaders (vitest's) turn imported bindings into property reads.
const WINDOW = WINDOW_SIZE;
const MASK = SPLIT_MASK;

/**
 * restic's chunker in plain JavaScript: the fallback when the WebAssembly kernel is not built (about half its speed).
 *
 * The 53-bit digest is kept as two uint32 halves (hi: bits 32..52, lo: bits 0..31) so the hot loop stays in int32
 * arithmetic. The digest at every place a cut is allowed depends only on the last 64 bytes, so instead of restic's
 * window ring the loop reads the leaving byte straight from `data[j - 64]`; the ring is only kept for the first
 * 64 hashed bytes of a chunk or of a `scan` call.
 */
export class JsChunker {
  private readonly tables: ChunkerTables;
  private readonly win = new Uint8Array(WINDOW_SIZE);
  private wpos = 0;
  private hi = 0;
  private lo = 0;
  /** Bytes of the current chunk seen so far. */
  private count = 0;

  /** @throws CairnError 'invalid-argument' unless `polynomial` has degree 53 (every restic polynomial has). */
  constructor(polynomial: bigint) {
    this.tables = tablesFor(polynomial);
  }

  /** Start of a new file: forget the bytes seen so far. */
  reset(): void {
    this.win.fill(0);
    this.wpos = 0;
    this.hi = 0;
    this.lo = 0;
    this.count = 0;
  }

  /**
   * Feeds the next piece of the current file. Returns the offsets within `data` just after each cut found in it,
   * ascending. State carries over between calls, so any split of a file into pieces gives the same chunks; the bytes
   * after the last cut at end of file are the caller's last chunk.
   */
  scan(data: Uint8Array): number[] {
    const cuts: number[] = [];
    const n = data.length;
    let i = 0;
    while (i < n) {
      if (this.count < SKIP) {
        const skip = Math.min(SKIP - this.count, n - i);
        this.count += skip;
        i += skip;
        continue;
      }
      const cut = this.hash(data, i, Math.min(n, i + (MAX_SIZE - this.count)));
      if (cut < 0) break;
      cuts.push(cut);
      this.reset();
      i = cut;
    }
    return cuts;
  }

  /** Hashes data[start..limit); returns the offset after a cut, or -1 when there was none (state saved). */
  private hash(data: Uint8Array, start: number, limit: number): number {
    const { outHi, outLo, modHi, modLo } = this.tables;
    const win = this.win;
    let hi = this.hi;
    let lo = this.lo;
    let wpos = this.wpos;
    // The chunk's byte count after data[j] is base + j + 1.
    const base = this.count - start;
    // Bytes leave the window from the ring until 64 bytes of this chunk and of this call have been hashed.
    const mainStart = Math.max(start, WINDOW, MIN_SIZE - base);
    const ringEnd = Math.min(limit, mainStart);
    let j = start;
    for (; j < ringEnd; j++) {
      const b = data[j]!;
      const out = win[wpos]!;
      win[wpos] = b;
      wpos = (wpos + 1) & (WINDOW - 1);
      hi ^= outHi[out]!;
      lo ^= outLo[out]!;
      const top = hi >>> TOP_SHIFT;
      hi = ((hi << 8) | (lo >>> 24)) ^ modHi[top]!;
      lo = ((lo << 8) | b) ^ modLo[top]!;
      if ((lo & MASK) === 0 && base + j + 1 >= MIN_SIZE) return j + 1;
    }
    for (; j < limit; j++) {
      const b = data[j]!;
      const out = data[j - WINDOW]!;
      hi ^= outHi[out]!;
      lo ^= outLo[out]!;
      const top = hi >>> TOP_SHIFT;
      hi = ((hi << 8) | (lo >>> 24)) ^ modHi[top]!;
      lo = ((lo << 8) | b) ^ modLo[top]!;
      if ((lo & MASK) === 0) return j + 1;
    }
    if (limit > ringEnd) {
      // The window is now data[limit-64..limit), oldest first.
      win.set(data.subarray(limit - WINDOW, limit));
      wpos = 0;
    }
    this.count = base + limit;
    if (this.count >= MAX_SIZE) return limit;
    this.hi = hi;
    this.lo = lo;
    this.wpos = wpos;
    return -1;
  }
}
