import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError, isCairnError } from '../core/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { fixedClock } from '../util/index.js';
import {
  calibrateScrypt,
  createKeyFile,
  masterKeyFromJSON,
  masterKeyToJSON,
  newRandomKey,
  openKeyFile,
  parseKeyFile,
} from './index.js';

const FIXTURES = new URL('../../test/fixtures/restic-0.14/', import.meta.url);
const facts = JSON.parse(readFileSync(new URL('facts.json', FIXTURES), 'utf8')) as {
  masterkey: unknown;
  keys: Record<string, Record<string, unknown>>;
};
const FAST = { N: 32768, r: 8, p: 1 };
const META = { hostname: 'host', username: 'user', created: '2024-01-02T03:04:05.123456789Z' };

let dir: string;
let keyFileName: string;
let keyFileBytes: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-crypto-keyfile-'));
  execFileSync('tar', ['xzf', new URL('repo.tar.gz', FIXTURES).pathname, '-C', dir]);
  keyFileName = readdirSync(join(dir, 'repo', 'keys'))[0]!;
  keyFileBytes = readFileSync(join(dir, 'repo', 'keys', keyFileName));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isCairnError(err) ? err.code : 'other';
  }
  return 'none';
}

describe('key files', () => {
  it("opens restic's key file with the password and yields the fixture's master key", async () => {
    const key = await openKeyFile(keyFileBytes, 'test');
    expect(JSON.parse(masterKeyToJSON(key))).toEqual(facts.masterkey);
  });

  it("parses restic's key file fields", () => {
    const doc = parseKeyFile(keyFileBytes);
    const { N, r, p, salt, kdf, created, hostname, username } = facts.keys[keyFileName]!;
    expect(doc).toMatchObject({ N, r, p, salt, kdf, created, hostname, username });
  });

  it('rejects a wrong password with wrong-password', async () => {
    expect(await errorCode(openKeyFile(keyFileBytes, 'nope'))).toBe('wrong-password');
  });

  it('rejects malformed key files with corrupt', async () => {
    const doc = JSON.parse(keyFileBytes.toString('utf8')) as Record<string, unknown>;
    const variants = [
      Buffer.from('not json'),
      Buffer.from(JSON.stringify({ ...doc, kdf: 'argon2' })),
      Buffer.from(JSON.stringify({ ...doc, N: 1000 })),
      Buffer.from(JSON.stringify({ ...doc, salt: Buffer.alloc(32).toString('base64') })),
      Buffer.from(JSON.stringify({ ...doc, data: '%%%' })),
    ];
    for (const bytes of variants) expect(await errorCode(openKeyFile(bytes, 'test'))).toBe('corrupt');
  });

  it('refuses a key file whose scrypt memory exceeds restic’s 60 MiB key budget before deriving', async () => {
    const doc = JSON.parse(keyFileBytes.toString('utf8')) as Record<string, unknown>;
    // 128 · N · r = 64 MiB: more than restic ever writes, and a crafted file could ask for 1 GiB.
    const big = Buffer.from(JSON.stringify({ ...doc, N: 65536, r: 8, p: 1 }));
    expect(() => parseKeyFile(big)).toThrow(/too much memory/);
    const wide = Buffer.from(JSON.stringify({ ...doc, N: 2, r: 1, p: 2 ** 20 }));
    expect(() => parseKeyFile(wide)).toThrow(/too much memory/);
    expect(parseKeyFile(Buffer.from(JSON.stringify({ ...doc, N: 32768, r: 8, p: 64 }))).N).toBe(32768);
  });

  it('round-trips create → open and writes restic’s field order', async () => {
    const master = newRandomKey();
    const bytes = await createKeyFile('pässword', master, { ...META, params: FAST });
    expect(Object.keys(JSON.parse(bytes.toString('utf8')) as object)).toEqual([
      'created',
      'username',
      'hostname',
      'kdf',
      'N',
      'r',
      'p',
      'salt',
      'data',
    ]);
    expect(parseKeyFile(bytes)).toMatchObject({ ...META, kdf: 'scrypt', ...FAST });
    expect(Buffer.from(parseKeyFile(bytes).salt, 'base64')).toHaveLength(64);
    expect(masterKeyToJSON(await openKeyFile(bytes, 'pässword'))).toBe(masterKeyToJSON(master));
  });

  it('refuses invalid scrypt parameters when creating', async () => {
    const p = createKeyFile('x', newRandomKey(), { ...META, params: { N: 1000, r: 8, p: 1 } });
    await expect(p).rejects.toBeInstanceOf(CairnError);
    expect(await errorCode(p)).toBe('invalid-argument');
  });

  it.skipIf(!RESTIC)('writes key files restic 0.14 accepts', async () => {
    const copy = join(dir, 'copy');
    cpSync(join(dir, 'repo'), copy, { recursive: true });
    const master = masterKeyFromJSON(JSON.stringify(facts.masterkey));
    const bytes = await createKeyFile('other', master, { ...META, params: { N: 32768, r: 8, p: 2 } });
    const id = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(copy, 'keys', id), bytes);
    const pwFile = join(dir, 'pw-other');
    writeFileSync(pwFile, 'other\n');
    const out = execFileSync(
      RESTIC!,
      ['-r', copy, '--password-file', pwFile, '--key-hint', id, 'cat', 'config'],
      {
        encoding: 'utf8',
        env: { ...process.env, RESTIC_CACHE_DIR: join(dir, 'cache') },
      },
    );
    expect(JSON.parse(out)).toMatchObject({ version: 2, chunker_polynomial: '35bba1908c7def' });
  });

  it('calibrates restic-like parameters: N = 2^15, r = 8, p >= 1', async () => {
    // A clock that says every derivation took 100 ms: the 500 ms target then gives p = 5.
    let t = 0n;
    const clock = { ...fixedClock(0), nowNs: () => (t += 100_000_000n) };
    expect(await calibrateScrypt({ clock })).toEqual({ N: 32768, r: 8, p: 5 });
    const real = await calibrateScrypt({ targetMs: 50 });
    expect(real).toMatchObject({ N: 32768, r: 8 });
    expect(real.p).toBeGreaterThanOrEqual(1);
  });
});
