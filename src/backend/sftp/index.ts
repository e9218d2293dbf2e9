/**
 * @module backend/sftp
 * Repositories on SSH servers through SFTP (ssh2, pure JavaScript), with restic's URL forms and layout. Keys come
 * from ssh-agent or ~/.ssh (or -o sftp.key); host keys are checked strictly against ~/.ssh/known_hosts.
 */
import type { Backend } from '../backend.js';
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
export function openSftpBackend(url: string, options: Record<string, string>, env: Env): Backend {
  const config = parseSftpLocation(url, options, env);
  // SftpBackend states no connection count: its channels are its own business (config.connections).
  return new LazyBackend(config.location, undefined, async () => {
    const { SftpBackend } = await import('./sftp.js');
    return new SftpBackend(config);
  });
}
