import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import {
  flattenTags,
  parseBackupTime,
  parsePackSize,
  parseSize,
  splitCommandLine,
  tagGroups,
} from './parse.js';

describe('parseSize', () => {
  it('reads plain numbers as bytes', () => expect(parseSize('1500')).toBe(1500));
  it('reads K, M, G and T as powers of 1024, in either case', () => {
    expect(parseSize('1K')).toBe(1024);
    expect(parseSize('2m')).toBe(2 * 1024 ** 2);
    expect(parseSize('3G')).toBe(3 * 1024 ** 3);
    expect(parseSize('4T')).toBe(4 * 1024 ** 4);
  });
  it('rejects unknown units and fractions with invalid-argument', () => {
    for (const bad of ['3X', '1.5M', '', '-1K', 'K']) {
      expect(() => parseSize(bad), bad).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    }
  });
});

describe('parsePackSize', () => {
  it('turns MiB into bytes', () => expect(parsePackSize('16')).toBe(16 * 1024 * 1024));
  it('refuses sizes restic refuses', () => {
    expect(() => parsePackSize('2')).toThrow();
    expect(() => parsePackSize('200')).toThrow();
  });
});

describe('parseBackupTime', () => {
  it('reads local "YYYY-MM-DD HH:MM:SS" as nanoseconds', () => {
    const ns = parseBackupTime('2024-01-02 03:04:05');
    const d = new Date(Number(ns / 1_000_000n));
    expect([
      d.getFullYear(),
      d.getMonth(),
      d.getDate(),
      d.getHours(),
      d.getMinutes(),
      d.getSeconds(),
    ]).toEqual([2024, 0, 2, 3, 4, 5]);
  });
  it('rejects impossible dates and other formats', () => {
    for (const bad of ['2024-02-30 00:00:00', '2024-01-02T03:04:05', 'yesterday']) {
      let err: unknown;
      try {
        parseBackupTime(bad);
      } catch (e) {
        err = e;
      }
      expect(isCairnError(err, 'invalid-argument'), bad).toBe(true);
    }
  });
});

describe('tags', () => {
  it('backup --tag splits commas and drops duplicates and blanks', () => {
    expect(flattenTags(['a,b', 'c', 'a', ' , d '])).toEqual(['a', 'b', 'c', 'd']);
  });
  it('filter --tag keeps each flag as an AND-group', () => {
    expect(tagGroups(['a,b', 'c'])).toEqual([['a', 'b'], ['c']]);
  });
});

describe('splitCommandLine', () => {
  it('splits on blanks and honours quotes and backslashes like a shell', () => {
    expect(splitCommandLine(`pass show "my repo" 'a b' c\\ d`)).toEqual([
      'pass',
      'show',
      'my repo',
      'a b',
      'c d',
    ]);
  });
  it('keeps an empty quoted word', () => expect(splitCommandLine(`echo ""`)).toEqual(['echo', '']));
  it('rejects an unclosed quote', () => expect(() => splitCommandLine(`echo "oops`)).toThrow(/quote/));
});
