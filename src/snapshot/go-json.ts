import { decodeRune, lastRuneWidth, nameToBytes } from '../core/index.js';
import { goQuote } from './go-quote.js';

const HEX = '0123456789abcdef';
/** Strings Go's encoding/json writes unchanged: printable ASCII other than `"`, `\`, `<`, `>`, `&` (plus DEL). */
const JSON_SAFE = /^[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7f]*$/;

function escapeAscii(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      // Control characters and the HTML-sensitive < > &; go1.19 has no \b or \f shorthand.
      return '\\u00' + HEX[c >> 4]! + HEX[c & 0xf]!;
  }
}

function isJsonSafeAscii(c: number): boolean {
  return c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26;
}

/**
 * A JSON string literal (with quotes) exactly as Go 1.19's encoding/json writes a Go string with HTML escaping on.
 * Works on the string's bytes (see `nameToBytes`): each invalid UTF-8 byte becomes `\ufffd`.
 */
export function goJsonString(s: string): string {
  if (JSON_SAFE.test(s)) return '"' + s + '"';
  const b = nameToBytes(s);
  let out = '"';
  let start = 0;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      if (isJsonSafeAscii(c)) {
        i++;
        continue;
      }
      out += b.toString('utf8', start, i) + escapeAscii(c);
      start = ++i;
      continue;
    }
    const r = decodeRune(b, i);
    if (r < 0) {
      out += b.toString('utf8', start, i) + '\\ufffd';
      start = ++i;
      continue;
    }
    if (r === 0x2028 || r === 0x2029) {
      out += b.toString('utf8', start, i) + '\\u202' + HEX[r & 0xf]!;
      i += lastRuneWidth();
      start = i;
      continue;
    }
    i += lastRuneWidth();
  }
  return out + b.toString('utf8', start, i) + '"';
}

/** A node name as restic 0.14 writes it: `strconv.Quote`d (without its quotes), then JSON-encoded. */
export function goJsonName(name: string): string {
  return goJsonString(goQuote(name));
}
