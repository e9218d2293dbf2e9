/** Byte order of the UTF-8 encodings (Go string order), which differs from UTF-16 order only above U+D7FF. */
export function compareNames(a: string, b: string): number {
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
