/** Apache's `$apr1$` password hash (md5-crypt with another magic), the default of `htpasswd -m`. */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MAGIC = '$apr1$';

function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function to64(value: number, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** The digest of md5-crypt's 1000 rounds, which are there only to make guessing slow. */
function apr1Digest(pw: Buffer, salt: Buffer): Buffer {
  const magic = Buffer.from(MAGIC);
  const alt = md5(pw, salt, pw);
  const parts: Uint8Array[] = [pw, magic, salt];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alt.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>= 1) parts.push((i & 1) !== 0 ? Buffer.of(0) : pw.subarray(0, 1));
  let final = md5(...parts);
  for (let i = 0; i < 1000; i++) {
    const round: Uint8Array[] = [(i & 1) !== 0 ? pw : final];
    if (i % 3 !== 0) round.push(salt);
    if (i % 7 !== 0) round.push(pw);
    round.push((i & 1) !== 0 ? final : pw);
    final = md5(...round);
  }
  return final;
}

/** `$apr1$<salt>$<hash>` for a password and a salt (at most 8 characters are used, as Apache does). */
export function apr1(password: string, salt: string): string {
  const s = salt.split('$')[0]!.slice(0, 8);
  const f = apr1Digest(Buffer.from(password, 'utf8'), Buffer.from(s, 'utf8'));
  const groups: [number, number, number][] = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let out = '';
  for (const [a, b, c] of groups) out += to64((f[a]! << 16) | (f[b]! << 8) | f[c]!, 4);
  out += to64(f[11]!, 2);
  return `${MAGIC}${s}$${out}`;
}

/** The salt of a stored `$apr1$` hash, or undefined if it is not one. */
export function apr1Salt(hash: string): string | undefined {
  const m = /^\$apr1\$([^$]{0,8})\$[./0-9A-Za-z]{22}$/.exec(hash);
  return m?.[1];
}
