/**
 * @module backend/sftp
 * Repositories on SSH servers through SFTP (ssh2, pure JavaScript), with restic's URL forms and layout. Keys come
 * from ssh-agent or ~/.ssh (or -o sftp.key); host keys are checked strictly against ~/.ssh/known_hosts.
 */
import type { Backend } from '../backend.js';
import type { Env } from './location.js';
import { parseSftpLocation } from './location.js';
import { SftpBackend } from './sftp.js';

export { SftpBackend } from './sftp.js';
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

/** Parses a repository URL with the `sftp:` scheme and the `-o sftp.*` options into a Backend. No I/O: it connects on the first call. */
export function openSftpBackend(
  url: string,
  options: Record<string, string>,
  env: Env,
): SftpBackend & Backend {
  return new SftpBackend(parseSftpLocation(url, options, env));
}
