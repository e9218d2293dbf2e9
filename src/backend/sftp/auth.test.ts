import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAuth } from './auth.js';
import type { SftpConfig } from './location.js';

let dir: string;
let key: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sftp-auth-'));
  key = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(keyFiles: string[], explicitKey: boolean): SftpConfig {
  return {
    user: 'u',
    host: 'h',
    port: 22,
    path: '/r',
    keyFiles,
    explicitKey,
    knownHostsFile: path.join(dir, 'known_hosts'),
    connections: 1,
    connectTimeoutMs: 1000,
    location: 'sftp:u@h:/r',
  };
}

describe.skipIf(process.getuid === undefined)('SSH key permissions (as OpenSSH)', () => {
  it('uses a key only its owner can read', async () => {
    fs.chmodSync(key, 0o600);
    expect((await planAuth(config([key], true))).describe).toBe(`the key ${key}`);
  });

  it('refuses a key that group or others can read, in one sentence naming the fix', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      fs.chmodSync(key, mode);
      await expect(planAuth(config([key], true))).rejects.toMatchObject({
        code: 'access-denied',
        message: expect.stringMatching(new RegExp(`mode 0${mode.toString(8)}.*chmod 600`)) as unknown,
      });
      // A default key file that is open to others is skipped, and said so when nothing else is left.
      await expect(planAuth(config([key], false))).rejects.toThrow(/readable by others/);
    }
    fs.chmodSync(key, 0o600);
  });
});

describe('encrypted SSH keys', () => {
  let locked: string;
  beforeAll(() => {
    locked = path.join(dir, 'id_locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '2', '-N', 'open sesame', '-f', locked]);
  });

  it('asks for the passphrase on the terminal (OpenSSH prompt) and uses the unlocked key', async () => {
    const prompts: string[] = [];
    const plan = await planAuth(config([locked], true), async (p) => (prompts.push(p), 'open sesame'));
    expect(prompts).toEqual([`Enter passphrase for key '${locked}': `]);
    expect(plan.methods[0]).toMatchObject({ type: 'publickey', username: 'u' });
    // A default key file too, when nothing else is left to try.
    expect((await planAuth(config([locked], false), async () => 'open sesame')).describe).toBe(`the key ${locked}`);
  });

  it('says a wrong passphrase is wrong, and without a terminal fails in one sentence', async () => {
    await expect(planAuth(config([locked], true), async () => 'nope')).rejects.toThrow(/passphrase for the SSH key .* is wrong/);
    await expect(planAuth(config([locked], true))).rejects.toThrow(/protected by a passphrase and there is no terminal/);
  });

  it('does not ask when another key can be tried first', async () => {
    fs.chmodSync(key, 0o600);
    let asked = false;
    const plan = await planAuth(config([locked, key], false), async () => ((asked = true), ''));
    expect([asked, plan.describe]).toEqual([false, `the key ${key}`]);
  });
});
