/**
 * Apache htpasswd files as rest-server reads them: `user:hash` lines, `#` comments, hashes in bcrypt (`$2y$`,
 * `$2a$`, `$2b$`, `htpasswd -B`), `$apr1$` (`htpasswd -m`, Apache's default) or `{SHA}` (`htpasswd -s`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { apr1, apr1Salt } from './apr1.js';

/** rest-server's rule: letters, digits and `@._-` (a user name also names a private repository folder). */
const USER = /^[\p{L}\p{N}@._-]+$/u;

export type HashScheme = 'bcrypt' | 'apr1' | 'sha1';

export interface HtpasswdParse {
  users: Map<string, string>;
  /** One sentence per line that was skipped (bad user name, unsupported hash). */
  warnings: string[];
}

export function hashScheme(hash: string): HashScheme | undefined {
  if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
  if (apr1Salt(hash) !== undefined) return 'apr1';
  if (hash.startsWith('{SHA}')) return 'sha1';
  return undefined;
}

/** A well-formed bcrypt hash: `$2y$NN$` with a cost of 4 to 31, then 53 characters of salt and digest. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The cost of a well-formed bcrypt hash, or undefined (a malformed one would fail every login with an error). */
export function bcryptCost(hash: string): number | undefined {
  const m = BCRYPT.exec(hash);
  const cost = m ? Number(m[1]) : NaN;
  return cost >= 4 && cost <= 31 ? cost : undefined;
}

export function parseHtpasswd(text: string): HtpasswdParse {
  const users = new Map<string, string>();
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = colon === -1 ? line : line.slice(0, colon);
    // Some tools append `:comment` fields after the hash.
    const hash =
      colon === -1
        ? ''
        : line
            .slice(colon + 1)
            .split(':')[0]!
            .trim();
    if (!USER.test(user)) {
      warnings.push(
        `htpasswd line ${i + 1}: the user name may contain only letters, digits and @._- (ignored).`,
      );
    } else if (hashScheme(hash) === undefined) {
      warnings.push(`htpasswd line ${i + 1}: user ${user} has no bcrypt, $apr1$ or {SHA} hash (ignored).`);
    } else if (hashScheme(hash) === 'bcrypt' && bcryptCost(hash) === undefined) {
      warnings.push(
        `htpasswd line ${i + 1}: user ${user} has a malformed bcrypt hash or a cost outside 4-31 (ignored).`,
      );
    } else users.set(user, hash);
  });
  return { users, warnings };
}

function equalStrings(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type BcryptCompare = (hash: string, password: string) => Promise<boolean>;

const inline: BcryptCompare = (hash, password) => bcrypt.compare(password, hash);

/**
 * Whether `password` matches a stored hash; unknown schemes never match. bcrypt is slow on purpose (~50-250 ms):
 * a server passes `compare` to run it off the event loop.
 */
export async function verifyPassword(
  hash: string,
  password: string,
  compare: BcryptCompare = inline,
): Promise<boolean> {
  switch (hashScheme(hash)) {
    case 'bcrypt':
      // `$2y$` is PHP's and Apache's name for the same algorithm as `$2b$`.
      return compare(hash.replace(/^\$2y\$/, '$2b$'), password);
    case 'apr1':
      return equalStrings(apr1(password, apr1Salt(hash)!), hash);
    case 'sha1':
      return equalStrings(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
    default:
      return false;
  }
}
