import { createHash } from 'node:crypto';

/**
 * A reproducible random source in [0, 1) from any text: sfc32 seeded with the text's SHA-256. The same seed gives
 * the same sequence on every machine and Node version (Math.random cannot be seeded).
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 2 ** 32;
  };
  for (let i = 0; i < 12; i++) next(); // sfc32's advice: mix the state before use
  return next;
}

/**
 * Uniform sample of `size` items from a stream of unknown length, keeping only `size` of them (Algorithm R).
 * With a seeded `random` and the same stream order, the sample is the same every time.
 */
export class Reservoir<T> {
  private readonly kept: T[] = [];
  private seen = 0;
  private readonly size: number;
  private readonly random: () => number;

  constructor(size: number, random: () => number) {
    this.size = size;
    this.random = random;
  }

  offer(item: T): void {
    this.seen++;
    if (this.kept.length < this.size) {
      this.kept.push(item);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.size) this.kept[j] = item;
  }

  /** Items offered so far. */
  get count(): number {
    return this.seen;
  }

  items(): readonly T[] {
    return this.kept;
  }
}
