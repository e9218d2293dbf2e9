/** Rebuilds the chunker inputs of the restic 0.14 fixture (test/fixtures/restic-0.14/README.md, generate.sh). */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 as the fixture generator runs it. */
export function splitMix64(seed: bigint): () => bigint {
  let state = seed & MASK64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

/** `big/random10m.bin`: a 4 KiB random block repeated, one byte overwritten every 24..64 bytes. */
export function fixtureRandomFile(size = 10 * 1024 * 1024, seed = 0x5eedn): Uint8Array {
  const next = splitMix64(seed);
  const base = new Uint8Array(4096);
  for (let i = 0; i < base.length; i++) base[i] = Number(next() & 0xffn);
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += base.length)
    out.set(base.subarray(0, Math.min(base.length, size - off)), off);
  let pos = 0;
  for (;;) {
    const v = next();
    pos += 24 + Number(v % 41n);
    if (pos >= size) break;
    out[pos] = Number((v >> 8n) & 0xffn);
  }
  return out;
}

/** `big/lines.txt`: 26000 lines "%08d the quick brown fox jumps over the lazy dog %08x\n". */
export function fixtureLinesFile(): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < 26000; i++) {
    const h = Number((BigInt(i) * 2654435761n) & 0xffffffffn);
    lines.push(
      `${String(i).padStart(8, '0')} the quick brown fox jumps over the lazy dog ${h.toString(16).padStart(8, '0')}\n`,
    );
  }
  return new TextEncoder().encode(lines.join(''));
}

/** Fast deterministic pseudo-random bytes (xorshift32) for tests that need many megabytes. */
export function seededBytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 24;
  }
  return out;
}

/** Feeds `data` to `chunker` in pieces of the given sizes (the rest in one piece) and returns the chunk lengths. */
export function chunkLengths(
  chunker: { reset(): void; scan(data: Uint8Array): number[] },
  data: Uint8Array,
  pieceSizes: readonly number[] = [],
): number[] {
  chunker.reset();
  const lengths: number[] = [];
  let last = 0;
  let off = 0;
  const feed = (end: number): void => {
    for (const cut of chunker.scan(data.subarray(off, end))) {
      lengths.push(off + cut - last);
      last = off + cut;
    }
    off = end;
  };
  for (const size of pieceSizes) if (off < data.length) feed(Math.min(data.length, off + size));
  if (off < data.length) feed(data.length);
  if (last < data.length) lengths.push(data.length - last);
  return lengths;
}
