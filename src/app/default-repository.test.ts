import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultLocations,
  secretFileText,
  generatePassword,
  readPasswordFileIfExists,
  writeNewPasswordFile,
} from './default-repository.js';

describe('defaultLocations', () => {
  it('follows XDG variables', () => {
    const d = defaultLocations(
      { XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c', XDG_CACHE_HOME: '/k' },
      '/home/u',
    );
    expect(d).toEqual({
      repository: '/d/cairn/repository',
      passwordFile: '/c/cairn/password',
      cacheDir: '/k/cairn',
    });
  });
  it('falls back to ~/.local/share, ~/.config and ~/.cache, also for relative XDG values', () => {
    const d = defaultLocations({ XDG_DATA_HOME: 'relative' }, '/home/u');
    expect(d).toEqual({
      repository: '/home/u/.local/share/cairn/repository',
      passwordFile: '/home/u/.config/cairn/password',
      cacheDir: '/home/u/.cache/cairn',
    });
  });
});

describe('password files', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a generated password is 32 random bytes in base64url', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generatePassword()).not.toBe(a);
  });

  it('a new password file is 0600 in a 0700 folder and is never overwritten', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-app-'));
    const file = path.join(dir, 'cfg', 'cairn', 'password');
    await writeNewPasswordFile(file, 'pw1');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(await readPasswordFileIfExists(file)).toBe('pw1');
    await expect(writeNewPasswordFile(file, 'pw2')).rejects.toMatchObject({ code: 'repository-exists' });
    expect(await readPasswordFileIfExists(file)).toBe('pw1');
  });

  it('a missing password file reads as undefined', async () => {
    expect(await readPasswordFileIfExists('/nonexistent/cairn/password')).toBeUndefined();
  });

  it('reads a password file as restic 0.14 does: byte-order marks dropped, surrounding white space trimmed', () => {
    const text = (s: string | Buffer): string => secretFileText(Buffer.isBuffer(s) ? s : Buffer.from(s));
    expect(text('pw\n')).toBe('pw');
    expect(text('pw\r\n')).toBe('pw');
    expect(text('pw \n\n')).toBe('pw');
    expect(text('\t pw x \u00a0\u0085')).toBe('pw x');
    expect(text('pw\ufeff')).toBe('pw\ufeff');
    expect(text(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('pw\n')]))).toBe('pw');
    expect(text(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pö\n', 'utf16le')]))).toBe('pö');
    expect(text(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('pö\n', 'utf16le').swap16()]))).toBe('pö');
  });
});
