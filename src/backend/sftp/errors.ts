import { CairnError, errnoCode } from '../../core/index.js';
import { networkFailure } from '../errors.js';
import type { HostKeyVerdict } from './known-hosts.js';
import { fingerprint } from './known-hosts.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7), as ssh2 puts them in `err.code`. */
export const STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
};

/** ssh2's messages when a channel or the connection under a request went away. */
const LOST = /No response from server|Channel not open|Not connected|closed|Connection lost|ECONNRESET/i;

function detail(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/[.\s]+$/, '');
}

/** Whether an error (from ssh2 or the socket) means the connection is gone rather than that the request failed. */
export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === STATUS.NO_CONNECTION || code === STATUS.CONNECTION_LOST) return true;
  if (networkFailure(err) !== undefined) return true;
  return err instanceof Error && LOST.test(err.message);
}

/** The retryable error for a request cut off by a dropped connection. */
export function lostError(where: string, cause: unknown): CairnError {
  return new CairnError('unavailable', `The connection to ${where} was lost (${detail(cause)}).`, {
    cause,
    retryable: true,
  });
}

/** Maps an error of one SFTP request on `what` (e.g. "data/ab12…") to a CairnError. */
export function sftpError(err: unknown, what: string, where: string): CairnError {
  if (err instanceof CairnError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === STATUS.NO_SUCH_FILE)
    return new CairnError('not-found', `${what} does not exist on ${where}.`, { cause: err });
  if (code === STATUS.PERMISSION_DENIED) {
    return new CairnError('access-denied', `The SFTP server ${where} denied access to ${what}.`, {
      cause: err,
    });
  }
  if (isConnectionLoss(err)) return lostError(where, err);
  // OpenSSH answers a full disk, a quota or an I/O error all with the generic FAILURE: say what we know.
  return new CairnError('fatal', `The SFTP server ${where} failed on ${what}: ${detail(err)}.`, {
    cause: err,
  });
}

/** How to record a host's key, for the "unknown host" sentence. */
function keyscanHint(host: string, port: number, file: string): string {
  const p = port === 22 ? '' : `-p ${port} `;
  return `ssh-keyscan ${p}${host} >> ${file}`;
}

/** The sentence for a host key that known_hosts does not vouch for. */
export function hostKeyError(
  verdict: Exclude<HostKeyVerdict, { kind: 'trusted' }>,
  key: Buffer,
  target: { host: string; port: number; knownHostsFile: string },
): CairnError {
  const where = target.port === 22 ? target.host : `${target.host}:${target.port}`;
  const fp = fingerprint(key);
  switch (verdict.kind) {
    case 'revoked':
      return new CairnError(
        'access-denied',
        `The host key of ${where} (${fp}) is marked @revoked in ${target.knownHostsFile}; refusing to connect.`,
      );
    case 'changed':
      return new CairnError(
        'access-denied',
        `WARNING: the host key of ${where} has changed (now ${fp}, line ${verdict.line} of ${target.knownHostsFile} ` +
          'says otherwise): someone may be intercepting the connection, or the server was reinstalled; refusing to ' +
          `connect until you verify the new key and replace that line.`,
      );
    case 'unknown': {
      const others = verdict.otherTypes.length
        ? ` (only ${verdict.otherTypes.join(', ')} keys are recorded)`
        : '';
      return new CairnError(
        'access-denied',
        `The host ${where} is not in ${target.knownHostsFile}${others}; its key is ${fp}; after checking that ` +
          `fingerprint, add it with: ${keyscanHint(target.host, target.port, target.knownHostsFile)}`,
      );
    }
  }
}

/** Maps a failure to set up the SSH connection (before any SFTP request) to a CairnError. */
export function connectError(
  err: unknown,
  target: { user: string; host: string; port: number; keys: string },
): CairnError {
  if (err instanceof CairnError) return err;
  const where = `${target.host}:${target.port}`;
  const level = (err as { level?: unknown } | null)?.level;
  if (level === 'client-authentication') {
    return new CairnError('access-denied', `The server refused ${target.keys} for ${target.user}@${where}.`, {
      cause: err,
    });
  }
  if (level === 'client-timeout') {
    return new CairnError(
      'unavailable',
      `Could not connect to ${where}: no SSH handshake within 10 seconds.`,
      {
        cause: err,
        retryable: true,
      },
    );
  }
  const errno = errnoCode(err);
  if (errno === 'ECONNREFUSED') {
    return new CairnError('unavailable', `Could not connect to ${where}: connection refused.`, {
      cause: err,
      retryable: true,
    });
  }
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') {
    return new CairnError('unavailable', `Could not connect to ${where}: the host name does not resolve.`, {
      cause: err,
      retryable: true,
    });
  }
  if (isConnectionLoss(err) || level === 'client-socket') {
    return new CairnError('unavailable', `Could not connect to ${where}: ${detail(err)}.`, {
      cause: err,
      retryable: true,
    });
  }
  return new CairnError('fatal', `The SSH connection to ${where} failed: ${detail(err)}.`, { cause: err });
}
