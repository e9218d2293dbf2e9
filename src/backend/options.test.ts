import { describe, expect, it } from 'vitest';
import { checkOptions, intOption } from './options.js';

const KNOWN = ['x.a', 'x.b'] as const;

describe('checkOptions', () => {
  it('accepts known keys', () => {
    expect(() => checkOptions({ 'x.a': '1', 'x.b': '2' }, KNOWN, 'x.', 'an X repository')).not.toThrow();
  });

  it('calls a key with the prefix unknown and lists the known ones', () => {
    expect(() => checkOptions({ 'x.c': '1' }, KNOWN, 'x.', 'an X repository')).toThrow(
      'Unknown option -o x.c; known: x.a, x.b.',
    );
  });

  it('says a key of another backend does not apply', () => {
    expect(() => checkOptions({ 'y.a': '1' }, KNOWN, 'x.', 'an X repository')).toThrow(
      'Option -o y.a does not apply to an X repository; known: x.a, x.b.',
    );
  });
});

describe('intOption', () => {
  it('returns the fallback when the key is absent and the number when given', () => {
    expect(intOption({}, 'x.n', 5, 10)).toBe(5);
    expect(intOption({ 'x.n': '10' }, 'x.n', 5, 10)).toBe(10);
  });

  it('rejects zero, too large and non-numbers in one sentence', () => {
    for (const v of ['0', '11', '3.5', '-1', 'many', '']) {
      expect(() => intOption({ 'x.n': v }, 'x.n', 5, 10)).toThrow(
        `-o x.n must be a whole number from 1 to 10, not "${v}".`,
      );
    }
  });
});
