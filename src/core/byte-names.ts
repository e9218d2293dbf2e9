/**
 * Byte strings as JS strings. File names and link targets on Unix are bytes, and restic keeps them as Go strings
 * (bytes that are usually, but not always, UTF-8). We hold them in JS strings losslessly: valid UTF-8 decodes to
 * the characters it spells, and each byte that is not part of valid UTF-8 becomes the lone surrogate U+DC00+byte
 * (Python's "surrogateescape"). A well-formed string never contains lone surrogates, so the mapping is reversible.
 */

/** Width in bytes of the rune that the last `decodeRune` call returned. */
let runeWidth = 1;

/**
 * Go's `utf8.DecodeRune` at `b[i]`: the code point, or -1 for an invalid byte (Go's RuneError with width 1).
 * Rejects what Go rejects: overlong forms, surrogates, values above U+10FFFF. Read the width from `lastRuneWidth()`.
 */
export function decodeRune(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  runeWidth = 1;
  if (b0 < 0x80) return b0;
  const n = b.length - i;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const b1 = n > 1 ? b[i + 1]! : 0;
    if ((b1 & 0xc0) !== 0x80) return -1;
    runeWidth = 2;
    return ((b0 & 0x1f) << 6) | (b1 & 0x3f);
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = n > 1 ? b[i + 1]! : 0;
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    if (b1 < lo || b1 > hi) return -1;
    const b2 = n > 2 ? b[i + 2]! : 0;
    if ((b2 & 0xc0) !== 0x80) return -1;
    runeWidth = 3;
    return ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = n > 1 ? b[i + 1]! : 0;
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return -1;
    const b2 = n > 2 ? b[i + 2]! : 0;
    const b3 = n > 3 ? b[i + 3]! : 0;
    if ((b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return -1;
    runeWidth = 4;
    return ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
  }
  return -1;
}

export function lastRuneWidth(): number {
  return runeWidth;
}

/** Replaces lone surrogates by U+FFFD, as Go does when it decodes JSON `\ud800` escapes (native: once per node). */
export function toWellFormed(s: string): string {
  return s.toWellFormed();
}

/**
 * The bytes a name stands for: UTF-8, except that U+DC80…U+DCFF stand for the raw bytes 0x80…0xFF. Other lone
 * surrogates (which no decoded name contains) become their 3-byte generalized UTF-8 form, as Go would hold them.
 */
export function nameToBytes(name: string): Buffer {
  if (name.isWellFormed()) return Buffer.from(name, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const cu = name.charCodeAt(i);
    if (cu >= 0xd800 && cu <= 0xdbff && i + 1 < name.length) {
      const next = name.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pushUtf8(out, 0x10000 + ((cu - 0xd800) << 10) + (next - 0xdc00));
        i++;
        continue;
      }
    }
    if (cu >= 0xdc80 && cu <= 0xdcff) out.push(cu - 0xdc00);
    else pushUtf8(out, cu);
  }
  return Buffer.from(out);
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The name for some bytes (inverse of `nameToBytes`): invalid bytes become U+DC80…U+DCFF. */
export function nameFromBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode rune by rune below.
  }
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const cp = decodeRune(bytes, i);
    if (cp < 0) {
      out += String.fromCharCode(0xdc00 + bytes[i]!);
      i++;
    } else {
      out += String.fromCodePoint(cp);
      i += runeWidth;
    }
  }
  return out;
}

/** A path as Node's file system calls take it. */
export type FsPath = string | Buffer;

/**
 * A name or path for Node's fs calls: the string itself, or its bytes (`nameToBytes`) when it holds bytes that are not
 * UTF-8 (a string path is written as UTF-8, so each such byte would become U+FFFD and name another file).
 */
export function fsPathOf(name: string): FsPath {
  return hasRawBytes(name) ? nameToBytes(name) : name;
}

/** Whether a name stands for bytes that are not valid UTF-8 (it holds a lone surrogate). */
export function hasRawBytes(name: string): boolean {
  // Native: this runs for every path a backup lstats.
  return !name.isWellFormed();
}

const HIGH_UNITS = /[\ud800-\uffff]/;

/** Orders names as restic orders tree nodes: by their bytes (Go string comparison). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order unless surrogates meet code points U+E000…U+FFFF.
  if (!HIGH_UNITS.test(a) && !HIGH_UNITS.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(nameToBytes(a), nameToBytes(b));
}

/**
 * Sorts names in place as compareNames orders them. When no name has a unit where UTF-16 and UTF-8 order differ
 * (most folders), the plain code-unit sort gives the same order without two regular expressions per comparison.
 */
export function sortNames(names: string[]): string[] {
  return names.some((n) => HIGH_UNITS.test(n)) ? names.sort(compareNames) : names.sort();
}
