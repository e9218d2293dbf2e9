import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { goJsonName, goJsonString } from './go-json.js';
import { goQuote, goUnquote } from './go-quote.js';
import { compareNames, nameFromBytes, nameToBytes, sortNames } from '../core/index.js';

/**
 * [hex of the file name's bytes, the JSON name restic 0.14 wrote for it]: 3689 names made with the real restic
 * 0.14.0 binary (go1.19.8): every boundary of the printable-range table, controls, invalid UTF-8, HTML characters.
 */
const oracle = JSON.parse(
  readFileSync(new URL('./testdata/restic-0.14-names.json', import.meta.url), 'utf8'),
) as [string, string][];

const hasControlOrHtml = (s: string): boolean =>
  [...s].some((ch) => ch.charCodeAt(0) < 0x20 || '<>&'.includes(ch));

const bytesToName = (hex: string): string => nameFromBytes(Buffer.from(hex, 'hex'));

describe('node names against restic 0.14', () => {
  it('encodes each of the 3689 oracle names exactly as restic did', () => {
    const wrong = oracle.filter(([hex, json]) => goJsonName(bytesToName(hex)) !== json);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(oracle.length).toBe(3689);
  });

  it('decodes each oracle name back to the original bytes', () => {
    const wrong = oracle.filter(([hex, json]) => {
      const name = goUnquote(JSON.parse(json) as string);
      return nameToBytes(name).toString('hex') !== hex;
    });
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('orders names as restic sorted them in the tree (byte order)', () => {
    const names = oracle.map(([hex]) => bytesToName(hex));
    const sorted = [...names].sort(compareNames);
    expect(sorted).toEqual(names);
    expect(sortNames([...names].reverse())).toEqual(names);
    const plain = names.filter((n) => [...n].every((c) => c.charCodeAt(0) < 0x80));
    expect(plain.length).toBeGreaterThan(1);
    expect(sortNames([...plain].reverse())).toEqual(plain);
  });

  it('sortNames orders any names as compareNames does', () => {
    const unit = fc.constantFrom('a', 'Z', '~', '\u00e9', '\uffff', '\ue000', '\ud83d\ude00', '\ud800', '.');
    fc.assert(
      fc.property(fc.array(fc.array(unit, { maxLength: 4 }).map((u) => u.join(''))), (names) => {
        expect(sortNames([...names])).toEqual([...names].sort(compareNames));
      }),
    );
  });
});

describe('goQuote', () => {
  it('escapes quote and backslash like the fixture name quote"and\\backslash.txt', () => {
    expect(goJsonName('quote"and\\backslash.txt')).toBe('"quote\\\\\\"and\\\\\\\\backslash.txt"');
  });

  it('uses Go short escapes for \\a \\b \\f \\n \\r \\t \\v and \\x for other controls', () => {
    expect(goQuote('\x07\b\f\n\r\t\v\x01\x7f')).toBe('\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f');
  });

  it('keeps printable non-ASCII raw and escapes non-printable code points', () => {
    expect(goQuote('unicodé-ñame')).toBe('unicodé-ñame');
    expect(goQuote('\u00a0\u200b\u{e0001}')).toBe('\\u00a0\\u200b\\U000e0001');
  });

  it('writes invalid UTF-8 bytes as \\xNN', () => {
    expect(goQuote(nameFromBytes(Buffer.from([0x61, 0xff, 0xc3])))).toBe('a\\xff\\xc3');
  });
});

describe('goUnquote', () => {
  it('accepts every escape form strconv.Unquote accepts', () => {
    const name = goUnquote('\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\x41\\101\\u00e9\\U0001F600');
    expect(name).toBe('\x07\b\f\n\r\t\v\\"AAé\u{1f600}');
  });

  it('turns \\x escapes of non-UTF-8 bytes into those bytes', () => {
    expect(nameToBytes(goUnquote('\\xff\\xfe')).toString('hex')).toBe('fffe');
  });

  it.each(['a"b', 'a\nb', '\\', '\\q', '\\x4', '\\400', '\\ud800', '\\U00110000', "\\'"])(
    'rejects %j as corrupt',
    (bad) => {
      let caught: unknown;
      try {
        goUnquote(bad);
      } catch (err) {
        caught = err;
      }
      expect(isCairnError(caught, 'corrupt')).toBe(true);
    },
  );
});

describe('round trips', () => {
  it('unquote(JSON(encode(name))) gives back any Unicode name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        const json = goJsonName(name);
        expect(goUnquote(JSON.parse(json) as string)).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('names built from arbitrary bytes survive encode and decode byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const name = nameFromBytes(bytes);
        expect(Buffer.from(nameToBytes(name)).equals(Buffer.from(bytes))).toBe(true);
        const back = goUnquote(JSON.parse(goJsonName(name)) as string);
        expect(nameToBytes(back).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
      }),
      { numRuns: 2000 },
    );
  });

  it('control characters are escaped so the JSON stays printable ASCII or raw printable text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0x3f }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          expect(hasControlOrHtml(goJsonName(s))).toBe(false);
        },
      ),
    );
  });
});

describe('goJsonString', () => {
  it('escapes < > & and U+2028/U+2029 like Go with HTML escaping', () => {
    expect(goJsonString('html<&>\u2028\u2029')).toBe('"html\\u003c\\u0026\\u003e\\u2028\\u2029"');
  });

  it('writes controls as lower-case \\u00XX except \\n \\r \\t, and keeps DEL raw', () => {
    expect(goJsonString('\b\f\n\r\t\x1f\x7f')).toBe('"\\u0008\\u000c\\n\\r\\t\\u001f\x7f"');
  });

  it('replaces each invalid UTF-8 byte by \\ufffd', () => {
    expect(goJsonString(nameFromBytes(Buffer.from([0x61, 0xff, 0xfe])))).toBe('"a\\ufffd\\ufffd"');
  });

  it('agrees with JSON.stringify on strings without HTML characters or controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        fc.pre(!hasControlOrHtml(s) && !s.includes('\u2028') && !s.includes('\u2029'));
        expect(goJsonString(s)).toBe(JSON.stringify(s));
      }),
    );
  });
});
