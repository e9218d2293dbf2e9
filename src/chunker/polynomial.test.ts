import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { formatPolynomial, isIrreducible, parsePolynomial, randomPolynomial } from './index.js';
import { polDeg, polMod, polMul } from './polynomial.js';

const FIXTURE_POLYNOMIAL = 0x35bba1908c7defn;

/** Irreducible by trial division by every polynomial of degree 1..deg/2: slow, obviously right, for small degrees. */
function irreducibleByTrialDivision(p: bigint): boolean {
  const half = Math.floor(polDeg(p) / 2);
  for (let d = 2n; polDeg(d) <= half; d++) if (polMod(p, d) === 0n) return false;
  return true;
}

function littleEndian(p: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) bytes[i] = Number((p >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

describe('isIrreducible', () => {
  it('accepts the fixture repository polynomial', () => {
    expect(isIrreducible(FIXTURE_POLYNOMIAL)).toBe(true);
  });

  it('agrees with trial division on every polynomial of degree 2 to 11', () => {
    for (let p = 4n; p < 1n << 12n; p++)
      expect(isIrreducible(p), p.toString(2)).toBe(irreducibleByTrialDivision(p));
  });

  it('rejects products of two polynomials', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 2n, max: (1n << 27n) - 1n }),
        fc.bigInt({ min: 2n, max: (1n << 27n) - 1n }),
        (a, b) => {
          expect(isIrreducible(polMul(a, b))).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects x^53 + 1 (divisible by x + 1)', () => {
    expect(isIrreducible((1n << 53n) | 1n)).toBe(false);
  });
});

describe('randomPolynomial', () => {
  it('returns irreducible polynomials of degree 53 with constant term 1', () => {
    for (let i = 0; i < 5; i++) {
      const p = randomPolynomial();
      expect(polDeg(p)).toBe(53);
      expect(p & 1n).toBe(1n);
      expect(isIrreducible(p)).toBe(true);
    }
  });

  it('reads 8 little-endian bytes, masks them to 54 bits and retries until irreducible, like restic', () => {
    const draws = [new Uint8Array(8).fill(0xff), littleEndian(FIXTURE_POLYNOMIAL | (0xffn << 56n))];
    // 0xff… masks to 2^54 − 1, which has 54 terms (even) and so the factor x + 1: rejected.
    expect(randomPolynomial(() => draws.shift() ?? new Uint8Array(8))).toBe(FIXTURE_POLYNOMIAL);
    expect(draws).toEqual([]);
  });
});

describe('formatPolynomial / parsePolynomial', () => {
  it('writes lowercase hex without prefix, as restic stores chunker_polynomial', () => {
    expect(formatPolynomial(FIXTURE_POLYNOMIAL)).toBe('35bba1908c7def');
    expect(formatPolynomial(0x1n)).toBe('1');
  });

  it('parses what it formats', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (p) => {
        expect(parsePolynomial(formatPolynomial(p))).toBe(p);
      }),
    );
  });

  it('accepts uppercase and leading zeros like Go ParseUint', () => {
    expect(parsePolynomial('35BBA1908C7DEF')).toBe(FIXTURE_POLYNOMIAL);
    expect(parsePolynomial('00000000035bba1908c7def')).toBe(FIXTURE_POLYNOMIAL);
  });

  it.each(['', '0x35bba1908c7def', '35bb_a190', ' 35bb', 'xyz', '-1', '1ffffffffffffffff'])(
    'rejects %j with invalid-argument',
    (text) => {
      let error: unknown;
      try {
        parsePolynomial(text);
      } catch (err) {
        error = err;
      }
      expect(isCairnError(error, 'invalid-argument')).toBe(true);
    },
  );
});
