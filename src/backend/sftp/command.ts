/**
 * restic's `-o sftp.command="ssh … -s sftp"`: a program (no shell) that speaks SFTP on its standard input and
 * output, usually OpenSSH's client with the user's whole configuration. ssh2's SFTP client runs over its pipes
 * as if they were an SSH channel; ssh itself checks the host key and logs in (and may prompt on the terminal).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { SFTPWrapper } from 'ssh2';
import { CairnError } from '../../core/index.js';

/** The pieces of ssh2's SFTP client this uses; not in its typings (lib/protocol/SFTP.js). */
type SftpClass = new (
  client: { _protocol: { _remoteIdentRaw?: Buffer; channelData(id: number, data: Buffer): void; channelClose(id: number): void } },
  chanInfo: { type: string; incoming: object; outgoing: { id: number; state: string; window: number; packetSize: number } },
  cfg: object,
) => SFTPWrapper & { push(data: Buffer | null): void; _init(): void };

const require = createRequire(import.meta.url);
const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as { SFTP: SftpClass };

/** A running command with an SFTP session over its pipes. */
export interface CommandLink {
  sftp: SFTPWrapper;
  end(): void;
  onClose(cb: (reason: Error) => void): void;
}

/** Starts `argv` and completes the SFTP version exchange; rejects with one sentence (and ssh's last words). */
export function openCommandLink(argv: readonly string[], timeoutMs: number): Promise<CommandLink> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const outgoing = { id: 0, state: 'open', window: Infinity, packetSize: Infinity };
  const protocol = {
    channelData: (_id: number, data: Buffer) => void child.stdin.write(data),
    channelClose: () => {
      outgoing.state = 'closed';
      child.stdin.end();
    },
  };
  const sftp = new SFTP({ _protocol: protocol }, { type: 'session', incoming: {}, outgoing }, {});
  child.stdout.on('data', (d: Buffer) => sftp.push(d));
  child.stdin.on('error', () => undefined); // the exit below says why
  const closed = new Promise<Error>((resolve) => {
    child.once('close', (code, signal) => {
      outgoing.state = 'closed';
      sftp.push(null);
      sftp.emit('close');
      const last = stderr.trim().split('\n').pop()?.trim();
      const why = signal !== null ? `was stopped by ${signal}` : `exited with status ${code}`;
      resolve(new Error(`the sftp.command ${argv[0]} ${why}${last ? ` (${last})` : ''}`));
    });
  });
  const end = (): void => {
    child.stdin.end();
    if (child.exitCode === null) setTimeout(() => child.kill('SIGTERM'), 1000).unref();
  };
  return new Promise<CommandLink>((resolve, reject) => {
    const timer = setTimeout(() => {
      end();
      reject(new CairnError('unavailable', `The sftp.command ${argv[0]} did not start an SFTP session within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CairnError('invalid-argument', `Cannot run the sftp.command ${argv[0]} (${err.code ?? err.message}).`, { cause: err }));
    });
    void closed.then((reason) => {
      clearTimeout(timer);
      reject(new CairnError('access-denied', `${reason.message[0]!.toUpperCase()}${reason.message.slice(1)}.`));
    });
    sftp.once('ready', () => {
      clearTimeout(timer);
      resolve({ sftp, end, onClose: (cb) => void closed.then(cb) });
    });
    sftp._init();
  });
}
