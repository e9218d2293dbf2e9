/**
 * @module backend/sftp
 * Repositories on SSH servers through SFTP (ssh2, pure JavaScript), with restic's URL forms and layout. Keys come
 * from ssh-agent or ~/.ssh (or -o sftp.key); host keys are checked strictly against ~/.ssh/known_hosts. The
 * HostName, User, Port and IdentityFile of ~/.ssh/config apply as `ssh` (which restic runs) applies them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CairnError, errnoCode } from '../../core/index.js';
import type { Backend } from '../backend.js';
import type { AskPassphrase } from './auth.js';
import { LazyBackend } from '../lazy.js';
import type { Env } from './location.js';
import { parseSftpLocation } from './location.js';

export {
  parseSftpLocation,
  checkSftpOptions,
  SFTP_OPTIONS,
  DEFAULT_CONNECTIONS,
  DEFAULT_KEY_FILES,
} from './location.js';
export type { SftpConfig, Env } from './location.js';
export { parseKnownHosts, checkHostKey, hostMatches, knownHostsName, fingerprint } from './known-hosts.js';
export type { KnownHostEntry, HostKeyVerdict } from './known-hosts.js';

/**
 * Parses a repository URL with the `sftp:` scheme and the `-o sftp.*` options into a Backend. No I/O: ssh2 loads and
 * the connection opens on the first call.
 */
export function openSftpBackend(
  url: string,
  options: Record<string, string>,
  env: Env,
  askPassphrase?: AskPassphrase,
): Backend {
  const config = parseSftpLocation(url, options, env, readSshConfig(env));
  // SftpBackend states no connection count: its channels are its own business (config.connections).
  return new LazyBackend(config.location, undefined, async () => {
    const { SftpBackend } = await import('./sftp.js');
    return new SftpBackend(config, askPassphrase);
  });
}

/** `~/.ssh/config` as text ('' when there is none). */
function readSshConfig(env: Env): string {
  if (!env.HOME) return '';
  const file = path.join(env.HOME, '.ssh', 'config');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return '';
    throw new CairnError('invalid-argument', `Cannot read the SSH configuration ${file} (${errnoCode(err) ?? 'error'}).`, { cause: err });
  }
}
