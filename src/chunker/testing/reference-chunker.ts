import { polMod } from '../polynomial.js';

/**
 * A deliberately plain transcription of restic's chunker (github.com/restic/chunker, chunker.go) with bigint digest,
 * a window ring, the `slide(1)` at reset and the `pre` skip, for checking the fast chunkers against. Slow (a few MB/s).
 */
export function referenceChunkLengths(polynomial: bigint, data: Uint8Array): number[] {
  const minSize = 512 * 1024;
  const maxSize = 8 * 1024 * 1024;
  const splitmask = (1n << 20n) - 1n;
  const k = 53n;
  const shift = k - 8n;
  const out: bigint[] = [];
  const mod: bigint[] = [];
  for (let b = 0; b < 256; b++) {
    let h = 0n;
    h = polMod((h << 8n) | BigInt(b), polynomial);
    for (let i = 0; i < 63; i++) h = polMod(h << 8n, polynomial);
    out.push(h);
    mod.push(polMod(BigInt(b) << k, polynomial) | (BigInt(b) << k));
  }

  let window = new Uint8Array(64);
  let wpos = 0;
  let digest = 0n;
  let count = 0;
  let pre = 0;
  const slide = (b: number): void => {
    const o = window[wpos]!;
    window[wpos] = b;
    digest ^= out[o]!;
    wpos = (wpos + 1) % 64;
    const index = Number(digest >> shift);
    digest = ((digest << 8n) | BigInt(b)) ^ mod[index]!;
  };
  const reset = (): void => {
    window = new Uint8Array(64);
    wpos = 0;
    count = 0;
    digest = 0n;
    slide(1);
    pre = minSize - 64;
  };

  reset();
  const lengths: number[] = [];
  for (let i = 0; i < data.length; i++) {
    count++;
    if (pre > 0) {
      pre--;
      continue;
    }
    slide(data[i]!);
    if (count < minSize) continue;
    if ((digest & splitmask) === 0n || count >= maxSize) {
      lengths.push(count);
      reset();
    }
  }
  if (count > 0) lengths.push(count);
  return lengths;
}

/** restic's fingerprint of one 64-byte window (the digest when exactly these bytes are in the window). */
export function windowFingerprint(polynomial: bigint, window: Uint8Array): bigint {
  let h = 0n;
  for (const b of window) h = polMod((h << 8n) | BigInt(b), polynomial);
  return h;
}

/**
 * A 64-byte window whose fingerprint has its low 24 bits zero, so restic may cut right after it wherever it occurs.
 * The last three bytes enter the fingerprint unreduced (degree < 24), so they can cancel its low bits directly.
 */
export function cutWindow(polynomial: bigint, seed: Uint8Array): Uint8Array {
  const w = new Uint8Array(64);
  w.set(seed.subarray(0, 61));
  const low = Number(windowFingerprint(polynomial, w) & 0xffffffn);
  w[61] = low >>> 16;
  w[62] = (low >>> 8) & 0xff;
  w[63] = low & 0xff;
  return w;
}
