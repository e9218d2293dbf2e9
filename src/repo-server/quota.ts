/**
 * `--max-size`: the total bytes stored below the served folder. An upload reserves its size before it is written,
 * so concurrent uploads cannot together overshoot; a failed upload gives its reservation back.
 */
export class Quota {
  constructor(
    readonly maxBytes: number,
    private used: number,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` of the remaining space, or returns false (and takes nothing) if they do not fit. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Counts bytes that were stored without a reservation (a file that appeared while it was checked). */
  add(bytes: number): void {
    this.used += bytes;
  }

  /** Gives back space: a failed upload's reservation, a deleted file, or the old copy of a replaced file. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
