import { randomBytes } from 'node:crypto';
import { CairnError } from '../core/index.js';

/**
 * Polynomials over GF(2) as bigints: bit i is the coefficient of x^i, addition is XOR. This is restic's `Pol`
 * (github.com/restic/chunker). Nothing here is on a hot path, so plain bigint arithmetic is fine; unlike Go's uint64
 * it cannot overflow, so products need no special care.
 */

/** Degree of `p`; -1 for the zero polynomial. */
export function polDeg(p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1;
}

/** Remainder of `a` divided by `m` (m ≠ 0). */
export function polMod(a: bigint, m: bigint): bigint {
  const dm = polDeg(m);
  if (dm < 0) throw new CairnError('invalid-argument', 'Polynomial division by zero.');
  let r = a;
  for (let dr = polDeg(r); dr >= dm; dr = polDeg(r)) r ^= m << BigInt(dr - dm);
  return r;
}

/** Carry-less product `a·b`. */
export function polMul(a: bigint, b: bigint): bigint {
  let res = 0n;
  for (let x = a, y = b; y !== 0n; y >>= 1n, x <<= 1n) if ((y & 1n) === 1n) res ^= x;
  return res;
}

export function polMulMod(a: bigint, b: bigint, m: bigint): bigint {
  return polMod(polMul(a, b), m);
}

/** Greatest common divisor, Euclid's algorithm with `polMod` (restic's `Pol.GCD`). */
export function polGcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, polMod(x, y)];
  return x;
}

/** (x^(2^i) − x) mod g, by squaring x i times (restic's `qp`). */
function qp(i: number, g: bigint): bigint {
  let res = 2n;
  for (let k = 0; k < i; k++) res = polMulMod(res, res, g);
  return polMod(res ^ 2n, g);
}

/**
 * Ben-Or's irreducibility test as restic runs it: `p` of degree d is irreducible iff gcd(p, x^(2^i) − x mod p) = 1 for
 * every i in 1..⌊d/2⌋. Like restic, polynomials of degree < 2 pass trivially.
 */
export function isIrreducible(p: bigint): boolean {
  if (p < 0n) return false;
  const half = Math.floor(polDeg(p) / 2);
  for (let i = 1; i <= half; i++) if (polGcd(p, qp(i, p)) !== 1n) return false;
  return true;
}

const MAX_TRIES = 1_000_000;

/**
 * A new random irreducible polynomial of degree 53, drawn exactly as restic's `RandomPolynomial`: 8 random bytes as a
 * little-endian uint64, keep bits 0..53, set bits 53 and 0, retry until irreducible. `source` is for tests.
 */
export function randomPolynomial(source: (n: number) => Uint8Array = randomBytes): bigint {
  for (let i = 0; i < MAX_TRIES; i++) {
    const bytes = source(8);
    let f = 0n;
    for (let k = 7; k >= 0; k--) f = (f << 8n) | BigInt(bytes[k] ?? 0);
    f &= (1n << 54n) - 1n;
    f |= (1n << 53n) | 1n;
    if (isIrreducible(f)) return f;
  }
  throw new CairnError('fatal', 'Could not find a random irreducible polynomial.');
}

/** Lowercase hex without a prefix or padding, as restic writes `chunker_polynomial` (Go's FormatUint(p, 16)). */
export function formatPolynomial(p: bigint): string {
  if (p < 0n || p >= 1n << 64n)
    throw new CairnError('invalid-argument', 'Polynomial does not fit in 64 bits.');
  return p.toString(16);
}

/** Parses restic's `chunker_polynomial` the way Go's ParseUint(s, 16, 64) does: hex digits only, value < 2^64. */
export function parsePolynomial(hex: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(hex)) {
    throw new CairnError('invalid-argument', `Invalid chunker polynomial "${hex}": expected hex digits.`);
  }
  const p = BigInt('0x' + hex);
  if (p >= 1n << 64n)
    throw new CairnError('invalid-argument', `Chunker polynomial "${hex}" exceeds 64 bits.`);
  return p;
}
