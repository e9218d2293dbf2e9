import { CairnError, decodeRune, lastRuneWidth, nameFromBytes, nameToBytes, toWellFormed } from '../core/index.js';
import { isGoPrintable } from './unicode13.js';

const HEX = '0123456789abcdef';
/** Printable ASCII other than `"` and `\`: strconv.Quote leaves such names unchanged. */
const QUOTE_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function hex(v: number, digits: number): string {
  let s = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += HEX[(v >>> shift) & 0xf];
  return s;
}

const SHORT_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

/**
 * Go 1.19 `strconv.Quote(name)` without the surrounding quotes, as restic 0.14 stores node names. Works on the
 * name's bytes (see `nameToBytes`): invalid UTF-8 becomes `\xNN`, non-printable code points `\uXXXX`/`\UXXXXXXXX`.
 */
export function goQuote(name: string): string {
  if (QUOTE_SAFE.test(name)) return name;
  const b = nameToBytes(name);
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      if (c === 0x22 || c === 0x5c) out += '\\' + String.fromCharCode(c);
      else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
      else out += SHORT_ESCAPES[c] ?? '\\x' + hex(c, 2);
      continue;
    }
    const r = decodeRune(b, i);
    if (r < 0) {
      out += '\\x' + hex(c, 2);
      i++;
      continue;
    }
    i += lastRuneWidth();
    if (isGoPrintable(r)) out += String.fromCodePoint(r);
    else if (r < 0x10000) out += '\\u' + hex(r, 4);
    else out += '\\U' + hex(r, 8);
  }
  return out;
}

function bad(quoted: string): CairnError {
  return new CairnError(
    'corrupt',
    `Tree node name ${JSON.stringify(quoted)} is not a valid Go-quoted string.`,
  );
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const SIMPLE_UNESCAPES: Record<number, number> = {
  0x61: 0x07, // a
  0x62: 0x08, // b
  0x66: 0x0c, // f
  0x6e: 0x0a, // n
  0x72: 0x0d, // r
  0x74: 0x09, // t
  0x76: 0x0b, // v
  0x5c: 0x5c, // backslash
  0x22: 0x22, // double quote
};

/**
 * Go `strconv.Unquote('"' + quoted + '"')`, returning the name (inverse of `goQuote`). Accepts every escape Go
 * accepts (`\a \b \f \n \r \t \v \\ \"`, `\xNN`, octal `\NNN`, `\uXXXX`, `\UXXXXXXXX`) and rejects what Go
 * rejects (unescaped `"` or newline, malformed escapes) with CairnError 'corrupt'.
 */
export function goUnquote(quoted: string): string {
  if (!quoted.includes('\\')) {
    if (quoted.includes('"') || quoted.includes('\n')) throw bad(quoted);
    // Go's JSON decoder has already turned lone surrogate escapes into U+FFFD; JSON.parse keeps them.
    return toWellFormed(quoted);
  }
  const s = Buffer.from(quoted, 'utf8');
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === 0x22 || c === 0x0a) throw bad(quoted);
    if (c !== 0x5c) {
      out.push(c);
      i++;
      continue;
    }
    i = unescapeAt(s, i + 1, out, quoted);
  }
  return nameFromBytes(Uint8Array.from(out));
}

/** Decodes the escape whose letter is at `s[i]` into `out`; returns the index after it. */
function unescapeAt(s: Uint8Array, i: number, out: number[], quoted: string): number {
  if (i >= s.length) throw bad(quoted);
  const c = s[i]!;
  const simple = SIMPLE_UNESCAPES[c];
  if (simple !== undefined) {
    out.push(simple);
    return i + 1;
  }
  if (c >= 0x30 && c <= 0x37) {
    let v = 0;
    for (let j = 0; j < 3; j++) {
      const d = (s[i + j] ?? 0) - 0x30;
      if (i + j >= s.length || d < 0 || d > 7) throw bad(quoted);
      v = (v << 3) | d;
    }
    if (v > 255) throw bad(quoted);
    out.push(v);
    return i + 3;
  }
  const digits = c === 0x78 ? 2 : c === 0x75 ? 4 : c === 0x55 ? 8 : 0;
  if (digits === 0) throw bad(quoted);
  let v = 0;
  for (let j = 1; j <= digits; j++) {
    const d = i + j < s.length ? unhex(s[i + j]!) : -1;
    if (d < 0) throw bad(quoted);
    v = v * 16 + d;
  }
  if (c === 0x78) out.push(v);
  else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw bad(quoted);
  else out.push(...Buffer.from(String.fromCodePoint(v), 'utf8'));
  return i + 1 + digits;
}
