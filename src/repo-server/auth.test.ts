import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import type { Clock } from '../util/index.js';
import { HtpasswdAuthenticator, parseBasicAuth } from './auth.js';

const ALICE = 'alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n'; // password "password"
const BOB = 'bob:$apr1$abc$40RF2dTx.VKfQHjGWKyym/\n'; // password "hello"

function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, nowNs: () => BigInt(t) * 1_000_000n, advance: (ms) => void (t += ms) };
}

describe('parseBasicAuth', () => {
  it('splits user and password at the first colon', () => {
    const h = `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`;
    expect(parseBasicAuth(h)).toEqual({ user: 'alice', password: 'pa:ss' });
  });

  it('is undefined for missing, non-Basic or colon-less credentials', () => {
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth(`Basic ${Buffer.from('alice').toString('base64')}`)).toBeUndefined();
  });
});

describe('HtpasswdAuthenticator', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-htpasswd-'));
    file = path.join(dir, '.htpasswd');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to load a missing file', async () => {
    const err: unknown = await HtpasswdAuthenticator.load(file, { clock: manualClock() }).catch(
      (e: unknown) => e,
    );
    expect(isCairnError(err, 'access-denied')).toBe(true);
  });

  it('accepts listed users with the right password only', async () => {
    fs.writeFileSync(file, ALICE + BOB);
    const auth = await HtpasswdAuthenticator.load(file, { clock: manualClock() });
    expect(await auth.authenticate('alice', 'password')).toBe(true);
    expect(await auth.authenticate('bob', 'hello')).toBe(true);
    expect(await auth.authenticate('alice', 'hello')).toBe(false);
    expect(await auth.authenticate('mallory', 'password')).toBe(false);
  });

  it('picks up a changed file after the check interval', async () => {
    fs.writeFileSync(file, ALICE);
    const clock = manualClock();
    const auth = await HtpasswdAuthenticator.load(file, { clock, checkIntervalMs: 1000 });
    expect(await auth.authenticate('bob', 'hello')).toBe(false);
    fs.writeFileSync(file, BOB);
    clock.advance(1001);
    expect(await auth.authenticate('bob', 'hello')).toBe(true);
    // alice was removed: her cached success must not outlive the reload
    expect(await auth.authenticate('alice', 'password')).toBe(false);
  });

  it('keeps the previous users when the file vanishes', async () => {
    fs.writeFileSync(file, ALICE);
    const clock = manualClock();
    const lines: string[] = [];
    const auth = await HtpasswdAuthenticator.load(file, {
      clock,
      checkIntervalMs: 10,
      log: (l) => lines.push(l),
    });
    fs.rmSync(file);
    clock.advance(11);
    expect(await auth.authenticate('alice', 'password')).toBe(true);
    expect(lines.join('\n')).toContain('keeping the previous users');
  });

  it('a cached success does not admit a different password', async () => {
    fs.writeFileSync(file, ALICE);
    const auth = await HtpasswdAuthenticator.load(file, { clock: manualClock() });
    expect(await auth.authenticate('alice', 'password')).toBe(true);
    expect(await auth.authenticate('alice', 'password2')).toBe(false);
    expect(await auth.authenticate('alice', 'password')).toBe(true);
  });
});
