import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CairnError, errnoCode } from '../core/index.js';

/** The embedded default locations, following the XDG base directory spec. */
export interface DefaultLocations {
  repository: string;
  passwordFile: string;
  cacheDir: string;
}

/** Pure: computes the default repository, password file and cache folder from the environment and home folder. */
export function defaultLocations(env: Record<string, string | undefined>, home: string): DefaultLocations {
  // XDG says relative values are invalid and must be ignored.
  const base = (name: string, fallback: string): string => {
    const v = env[name];
    return v !== undefined && path.isAbsolute(v) ? v : path.join(home, fallback);
  };
  return {
    repository: path.join(base('XDG_DATA_HOME', '.local/share'), 'cairn', 'repository'),
    passwordFile: path.join(base('XDG_CONFIG_HOME', '.config'), 'cairn', 'password'),
    cacheDir: path.join(base('XDG_CACHE_HOME', '.cache'), 'cairn'),
  };
}

/** A fresh password: 32 random bytes, base64url (43 characters, no padding). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** The password stored in a file (read as restic reads it), or undefined if the file does not exist. */
export async function readPasswordFileIfExists(file: string): Promise<string | undefined> {
  try {
    return secretFileText(await fs.readFile(file));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new CairnError(
      'fatal',
      `The password file ${file} cannot be read (${errnoCode(err) ?? String(err)}).`,
      {
        cause: err,
      },
    );
  }
}

/** Go's unicode.IsSpace, which restic's strings.TrimSpace uses (JavaScript's trim() differs: U+FEFF, U+0085). */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** Removes surrounding white space exactly as restic does (Go's strings.TrimSpace), e.g. for password commands. */
export function trimSpace(text: string): string {
  return text.replace(GO_TRIM, '');
}

/**
 * The value of a password or repository file as restic 0.14 reads it: a UTF-8 byte-order mark is dropped, a UTF-16
 * one decodes the file as UTF-16, and surrounding white space (newlines, spaces, tabs) is trimmed.
 */
export function secretFileText(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) text = b.subarray(3).toString('utf8');
  else if (b[0] === 0xff && b[1] === 0xfe) text = new TextDecoder('utf-16le').decode(b.subarray(2));
  else if (b[0] === 0xfe && b[1] === 0xff) text = new TextDecoder('utf-16be').decode(b.subarray(2));
  else text = b.toString('utf8');
  return trimSpace(text);
}

/** Writes a new password file (mode 0600, folder 0700) without replacing an existing one. */
export async function writeNewPasswordFile(file: string, password: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    await fs.chmod(file, 0o600);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST')
      throw new CairnError('repository-exists', `The password file ${file} already exists.`);
    throw new CairnError('fatal', `The password file ${file} cannot be written (${code ?? String(err)}).`, {
      cause: err,
    });
  }
}
