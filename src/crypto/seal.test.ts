import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import {
  keyFromBytes,
  masterKeyFromJSON,
  newRandomKey,
  open,
  seal,
  sealInto,
  SEAL_OVERHEAD,
} from './index.js';
import { poly1305Reference } from './poly1305.js';

const FIXTURES = new URL('../../test/fixtures/restic-0.14/', import.meta.url);
const facts = JSON.parse(readFileSync(new URL('facts.json', FIXTURES), 'utf8')) as {
  masterkey: unknown;
  config: Record<string, unknown>;
};
const fixtureKey = masterKeyFromJSON(JSON.stringify(facts.masterkey));

let repoDir: string;
beforeAll(() => {
  repoDir = mkdtempSync(join(tmpdir(), 'cairn-crypto-seal-'));
  execFileSync('tar', ['xzf', new URL('repo.tar.gz', FIXTURES).pathname, '-C', repoDir]);
});
afterAll(() => rmSync(repoDir, { recursive: true, force: true }));

/** The sealed box as the format notes define it, built from node:crypto and noble only. */
function referenceSeal(key: ReturnType<typeof newRandomKey>, iv: Buffer, plaintext: Uint8Array): Buffer {
  const ctr = createCipheriv('aes-256-ctr', key.encrypt, iv);
  const ct = Buffer.concat([ctr.update(plaintext), ctr.final()]);
  const s = createCipheriv('aes-128-ecb', key.macK, null).setAutoPadding(false).update(iv);
  return Buffer.concat([iv, ct, poly1305Reference(ct, Buffer.concat([key.macR, s]))]);
}

describe('seal/open', () => {
  it("opens restic's config file with the fixture's master key", () => {
    const sealed = readFileSync(join(repoDir, 'repo', 'config'));
    expect(JSON.parse(open(fixtureKey, sealed).toString('utf8'))).toEqual(facts.config);
  });

  it('round-trips random plaintexts, adding exactly SEAL_OVERHEAD bytes', () => {
    const key = newRandomKey();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600_000 }), (plain) => {
        const sealed = seal(key, plain);
        expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD);
        expect(open(key, sealed).equals(Buffer.from(plain))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('produces the reference construction (IV || AES-CTR || Poly1305-AES) byte for byte', () => {
    const key = newRandomKey();
    for (const len of [0, 1, 16, 1000, 300_000, 5 << 20]) {
      const plain = Buffer.alloc(len, 0x5a);
      const sealed = seal(key, plain);
      expect(sealed.equals(referenceSeal(key, sealed.subarray(0, 16), plain))).toBe(true);
    }
  });

  it('carries the CTR counter across 32-bit words and wraps at 2^128, for small and large inputs', () => {
    const key = newRandomKey();
    const ivs = [
      '00000000000000000000000000fffffe',
      '0000000000000001ffffffffffffffff',
      'ffffffffffffffffffffffffffffffff',
    ];
    for (const ivHex of ivs) {
      for (const len of [5, 100, 4096, 4097, 8192, 9000, 300_000]) {
        const plain = Buffer.alloc(len);
        for (let i = 0; i < len; i++) plain[i] = i % 251;
        const box = referenceSeal(key, Buffer.from(ivHex, 'hex'), plain);
        expect(open(key, box).equals(plain)).toBe(true);
      }
    }
  });

  it('sealInto writes the box at the given offset and leaves the rest alone', () => {
    const key = newRandomKey();
    const plain = Buffer.from('hello sealed world');
    const out = Buffer.alloc(10 + plain.length + SEAL_OVERHEAD + 5, 0xee);
    expect(sealInto(key, plain, out, 10)).toBe(plain.length + SEAL_OVERHEAD);
    expect(out.subarray(0, 10).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(out.length - 5).every((b) => b === 0xee)).toBe(true);
    expect(open(key, out.subarray(10, out.length - 5)).equals(plain)).toBe(true);
  });

  it('sealInto refuses an output buffer that is too small', () => {
    expect(() => sealInto(newRandomKey(), new Uint8Array(10), new Uint8Array(41))).toThrow(/too small/);
  });

  it('uses a fresh non-zero IV for every box', () => {
    const key = newRandomKey();
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add(seal(key, new Uint8Array(1)).subarray(0, 16).toString('hex'));
    expect(ivs.size).toBe(1000);
  });

  it('rejects a flipped bit anywhere with a corrupt error', () => {
    const key = newRandomKey();
    const sealed = seal(key, Buffer.from('some plaintext that matters'));
    for (const at of [0, 15, 16, 30, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 1;
      expect(() => open(key, bad)).toThrow(expect.objectContaining({ code: 'corrupt' }) as Error);
    }
  });

  it('rejects the wrong key, short input and an all-zero IV', () => {
    const sealed = seal(newRandomKey(), Buffer.from('x'));
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return isCairnError(err) ? err.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => open(newRandomKey(), sealed))).toBe('corrupt');
    expect(codeOf(() => open(fixtureKey, new Uint8Array(31)))).toBe('corrupt');
    expect(codeOf(() => open(fixtureKey, new Uint8Array(40)))).toBe('corrupt');
  });

  it('seals inside a worker thread with the wasm kernel, and the box opens here', async () => {
    const keyBytes = randomBytes(64);
    const plaintext = randomBytes(1 << 20);
    const worker = new Worker(new URL('./testing/seal-worker.mjs', import.meta.url), {
      workerData: { keyBytes, plaintext },
    });
    const reply = await new Promise<{ implementation: string; sealed: Uint8Array }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.implementation).toBe('wasm');
    expect(open(keyFromBytes(keyBytes), reply.sealed).equals(plaintext)).toBe(true);
  });
});
