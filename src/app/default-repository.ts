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

/** The password stored in a file (first line, as restic reads it), or undefined if the file does not exist. */
export async function readPasswordFileIfExists(file: string): Promise<string | undefined> {
  try {
    return firstLine(await fs.readFile(file, 'utf8'));
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

/** restic strips one trailing newline (and CR) from a password file. */
export function firstLine(text: string): string {
  return text.replace(/\r?\n$/, '');
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
