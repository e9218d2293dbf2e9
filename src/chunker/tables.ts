import { CairnError } from '../core/index.js';
import { WINDOW_SIZE } from './constants.js';
import { polDeg, polMod } from './polynomial.js';

/** The only polynomial degree the fast chunkers handle; restic always generates degree 53. */
export const POLYNOMIAL_DEGREE = 53;

/**
 * restic's lookup tables for one polynomial P, each entry split into a high (bits 32..) and a low (bits 0..31) 32-bit
 * half so the hot loop never touches a bigint. Int32Array rather than Uint32Array: values ≥ 2^31 then load as int32
 * and V8 keeps the XORs in 32-bit registers.
 * - OUT[b] = b·x^(8·63) mod P: XOR-ing it removes byte b as it leaves the 64-byte window.
 * - MOD[b] = (b·x^53 mod P) | (b << 53): XOR-ing it clears bits 53..60 of the shifted digest and adds their reduction.
 */
export interface ChunkerTables {
  readonly outHi: Int32Array;
  readonly outLo: Int32Array;
  readonly modHi: Int32Array;
  readonly modLo: Int32Array;
  /** The same tables as 64-bit values (out first, then mod), for the WebAssembly chunker. */
  readonly out: readonly bigint[];
  readonly mod: readonly bigint[];
}

const cache = new Map<bigint, ChunkerTables>();

/** Tables for `polynomial`, computed once per polynomial and cached (restic caches them too). */
export function tablesFor(polynomial: bigint): ChunkerTables {
  const cached = cache.get(polynomial);
  if (cached !== undefined) return cached;
  if (polDeg(polynomial) !== POLYNOMIAL_DEGREE) {
    throw new CairnError('invalid-argument', `Chunker polynomial must have degree ${POLYNOMIAL_DEGREE}.`);
  }
  const tables = computeTables(polynomial);
  cache.set(polynomial, tables);
  return tables;
}

function computeTables(p: bigint): ChunkerTables {
  const k = BigInt(POLYNOMIAL_DEGREE);
  const out: bigint[] = [];
  const mod: bigint[] = [];
  for (let b = 0; b < 256; b++) {
    // restic: h = appendByte(0, b), then 63 × appendByte(h, 0), each step reducing mod P.
    let h = polMod(BigInt(b), p);
    for (let i = 0; i < WINDOW_SIZE - 1; i++) h = polMod(h << 8n, p);
    out.push(h);
    mod.push(polMod(BigInt(b) << k, p) | (BigInt(b) << k));
  }
  return { ...split(out, 'out'), ...split(mod, 'mod'), out, mod };
}

function split<N extends 'out' | 'mod'>(values: bigint[], name: N): Record<`${N}Hi` | `${N}Lo`, Int32Array> {
  const hi = new Int32Array(256);
  const lo = new Int32Array(256);
  values.forEach((v, i) => {
    hi[i] = Number(BigInt.asIntN(32, v >> 32n));
    lo[i] = Number(BigInt.asIntN(32, v));
  });
  return { [`${name}Hi`]: hi, [`${name}Lo`]: lo } as Record<`${N}Hi` | `${N}Lo`, Int32Array>;
}
