import fs from 'node:fs/promises';
import type { AgentAuthMethod, ParsedKey, PublicKeyAuthMethod } from 'ssh2';
import ssh2 from 'ssh2';
import { CairnError, errnoCode } from '../../core/index.js';
import type { SftpConfig } from './location.js';

export type AuthMethod = AgentAuthMethod | PublicKeyAuthMethod;

/** Asks the user for a key's passphrase on the terminal (absent when there is none). */
export type AskPassphrase = (prompt: string) => Promise<string>;

/** The ways to log in, in order, and how to name them in a "refused" sentence. */
export interface AuthPlan {
  methods: AuthMethod[];
  /** e.g. "the key /root/.ssh/id_ed25519" or "the keys of ssh-agent". */
  describe: string;
}

type Loaded =
  | { kind: 'key'; key: ParsedKey }
  | { kind: 'missing' }
  | { kind: 'encrypted'; data: Buffer }
  | { kind: 'unprotected'; mode: number };

/** OpenSSH's rule (sshkey_perm_ok): a private key of ours that group or others may read or write is not used. */
function unprotectedMode(st: { uid: number; mode: number }): number | undefined {
  return st.uid === process.getuid?.() && (st.mode & 0o077) !== 0 ? st.mode & 0o777 : undefined;
}

async function loadKey(file: string, passphrase?: string): Promise<Loaded> {
  let data: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const mode = unprotectedMode(await handle.stat());
      if (mode !== undefined) return { kind: 'unprotected', mode };
      data = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { kind: 'missing' };
    throw new CairnError('access-denied', `The SSH key ${file} cannot be read: ${(err as Error).message}.`, {
      cause: err,
    });
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (passphrase !== undefined && /bad passphrase|decrypt|integrity/i.test(parsed.message)) {
      throw new CairnError('access-denied', `The passphrase for the SSH key ${file} is wrong.`);
    }
    if (/encrypted/i.test(parsed.message)) return { kind: 'encrypted', data };
    throw new CairnError(
      'access-denied',
      `The SSH key ${file} is not a private key ssh2 can read (${parsed.message}).`,
    );
  }
  // The typings omit it, but for the OpenSSH format ssh2 returns an array of keys (of which it uses the first).
  const maybeList = parsed as ParsedKey | ParsedKey[];
  const key = Array.isArray(maybeList) ? maybeList[0] : maybeList;
  if (!key?.isPrivateKey())
    throw new CairnError('access-denied', `The SSH key ${file} holds no private key.`);
  return { kind: 'key', key };
}

function encryptedError(file: string): CairnError {
  return new CairnError(
    'access-denied',
    `The SSH key ${file} is protected by a passphrase and there is no terminal to ask for it; load it into ` +
      'ssh-agent (ssh-add) and set SSH_AUTH_SOCK, or give an unencrypted key with -o sftp.key=FILE.',
  );
}

/** An encrypted key, unlocked with a passphrase asked on the terminal (OpenSSH's prompt), or the one-sentence error. */
async function unlockKey(file: string, ask: AskPassphrase | undefined): Promise<ParsedKey> {
  if (ask === undefined) throw encryptedError(file);
  const loaded = await loadKey(file, await ask(`Enter passphrase for key '${file}': `));
  if (loaded.kind !== 'key') throw encryptedError(file);
  return loaded.key;
}

function unprotectedError(file: string, mode: number): CairnError {
  return new CairnError(
    'access-denied',
    `The SSH key ${file} is readable by others (mode 0${mode.toString(8)}), so it is not used, as OpenSSH refuses ` +
      `it too; run chmod 600 ${file}.`,
  );
}

/**
 * Chooses how to log in, as OpenSSH would without a config file: `-o sftp.key` alone if given; else ssh-agent (if
 * SSH_AUTH_SOCK is set), then each default key file that exists, is not passphrase-protected and is not open to
 * others.
 */
export async function planAuth(config: SftpConfig, ask?: AskPassphrase): Promise<AuthPlan> {
  const username = config.user;
  if (config.explicitKey) {
    const file = config.keyFiles[0]!;
    const loaded = await loadKey(file);
    if (loaded.kind === 'missing')
      throw new CairnError('invalid-argument', `The key file -o sftp.key=${file} does not exist.`);
    if (loaded.kind === 'unprotected') throw unprotectedError(file, loaded.mode);
    const key = loaded.kind === 'encrypted' ? await unlockKey(file, ask) : loaded.key;
    return { methods: [{ type: 'publickey', username, key }], describe: `the key ${file}` };
  }
  const methods: AuthMethod[] = [];
  const names: string[] = [];
  if (config.agentSocket) {
    methods.push({ type: 'agent', username, agent: config.agentSocket });
    names.push('the keys of ssh-agent');
  }
  let encrypted: string | undefined;
  let unprotected: CairnError | undefined;
  for (const file of config.keyFiles) {
    const loaded = await loadKey(file);
    if (loaded.kind === 'key') {
      methods.push({ type: 'publickey', username, key: loaded.key });
      names.push(`the key ${file}`);
    } else if (loaded.kind === 'encrypted') encrypted ??= file;
    else if (loaded.kind === 'unprotected') unprotected ??= unprotectedError(file, loaded.mode);
  }
  // As OpenSSH, a passphrase is asked only when nothing else is left to try.
  if (methods.length === 0 && encrypted !== undefined && unprotected === undefined) {
    return { methods: [{ type: 'publickey', username, key: await unlockKey(encrypted, ask) }], describe: `the key ${encrypted}` };
  }
  if (methods.length === 0) {
    if (unprotected) throw unprotected;
    const looked = config.keyFiles.length ? config.keyFiles.join(', ') : '~/.ssh (HOME is not set)';
    throw new CairnError(
      'access-denied',
      `No SSH key to log in with: SSH_AUTH_SOCK is not set and none of ${looked} exists; give one with -o sftp.key=FILE.`,
    );
  }
  return { methods, describe: names.join(' and ') };
}
