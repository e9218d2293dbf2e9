import fs from 'node:fs/promises';
import type { Client, ServerHostKeyAlgorithm, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import { CairnError, errnoCode } from '../../core/index.js';
import type { AskPassphrase, AuthPlan } from './auth.js';
import { planAuth } from './auth.js';
import { openCommandLink } from './command.js';
import { connectError, hostKeyError, isConnectionLoss, lostError, sftpError } from './errors.js';
import { watchChannel } from './io.js';
import type { KnownHostEntry } from './known-hosts.js';
import { checkHostKey, knownHostsName, knownKeyTypes, parseKnownHosts } from './known-hosts.js';
import type { SftpConfig } from './location.js';

/** Host key algorithms ssh2 supports, in its default order. */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** ssh run by sftp.command may ask for a passphrase or password on the terminal: give the user time. */
const COMMAND_START_TIMEOUT_MS = 120_000;

interface Channel {
  sftp: SFTPWrapper;
  busy: number;
}

/** The SSH connection, or the sftp.command process, under a session's channels. */
interface Link {
  end(): void;
  onClose(cb: () => void): void;
}

interface Session {
  link: Link;
  channels: Channel[];
  alive: boolean;
  /** Why the connection ended, once it has. */
  endReason: unknown;
}

/**
 * Like OpenSSH, ask the server first for the key types known_hosts has for it, so a server with several host keys
 * shows one we can check instead of one we have never seen.
 */
function hostKeyOrder(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const preferred = (a: string): boolean =>
    knownTypes.includes(a) || (knownTypes.includes('ssh-rsa') && a.startsWith('rsa-sha2-'));
  return [...HOST_KEY_ALGORITHMS.filter(preferred), ...HOST_KEY_ALGORITHMS.filter((a) => !preferred(a))];
}

async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await fs.readFile(file, 'utf8'));
  } catch (err) {
    // A missing file is an empty one: the host is then unknown and the sentence says how to add it.
    if (errnoCode(err) === 'ENOENT') return [];
    throw new CairnError(
      'access-denied',
      `The known hosts file ${file} cannot be read: ${(err as Error).message}.`,
      { cause: err },
    );
  }
}

function openChannel(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    client.sftp((err, sftp) => {
      if (err) return reject(err);
      watchChannel(sftp);
      resolve(sftp);
    }),
  );
}

/** Sets up the SSH connection: strict host key check, key authentication, then the SFTP channels. */
async function handshake(config: SftpConfig, plan: AuthPlan, entries: KnownHostEntry[]): Promise<Client> {
  const name = knownHostsName(config.host, config.port);
  const client = new ssh2.Client();
  let refused: CairnError | undefined;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void => {
      client.removeAllListeners('ready');
      client.end();
      reject(refused ?? connectError(err, { ...config, keys: plan.describe }));
    };
    client.once('ready', () => resolve());
    client.on('error', (err: Error & { level?: string }) => {
      // A stale SSH_AUTH_SOCK is reported and ssh2 moves on to the key files: not fatal.
      if (err.level !== 'agent') fail(err);
    });
    client.once('close', () => fail(new Error('the server closed the connection during the handshake')));
    try {
      client.connect({
        host: config.host,
        port: config.port,
        username: config.user,
        authHandler: plan.methods,
        readyTimeout: config.connectTimeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey: hostKeyOrder(knownKeyTypes(entries, name)) },
        hostVerifier: (key: Buffer) => {
          const verdict = checkHostKey(entries, name, key);
          if (verdict.kind === 'trusted') return true;
          refused = hostKeyError(verdict, key, config);
          return false;
        },
      });
      // Requests are small and answered one by one: without this, Nagle's algorithm adds ~40 ms to many of them.
      client.setNoDelay(true);
    } catch (err) {
      fail(err);
    }
  });
  return client;
}

/**
 * One SSH connection with a few SFTP channels over it, opened on the first request and again after it dropped.
 * Requests go to the least busy channel; OpenSSH serves each channel in its own process, so several channels keep
 * more of the server busy than one.
 */
export class SftpConnection {
  private session: Promise<Session> | undefined;
  private closed = false;
  readonly where: string;

  constructor(
    private readonly config: SftpConfig,
    private readonly askPassphrase?: AskPassphrase,
  ) {
    this.where = config.port === 22 ? config.host : `${config.host}:${config.port}`;
  }

  private async connect(): Promise<Session> {
    if (this.config.command !== undefined) return this.connectCommand(this.config.command);
    const plan = await planAuth(this.config, this.askPassphrase);
    const entries = await readKnownHosts(this.config.knownHostsFile);
    const client = await handshake(this.config, plan, entries);
    const link: Link = { end: () => client.end(), onClose: (cb) => client.once('close', cb) };
    const session: Session = { link, channels: [], alive: true, endReason: undefined };
    client.removeAllListeners('error');
    client.removeAllListeners('close');
    client.on('error', (err) => (session.endReason ??= err));
    client.on('close', () => {
      session.alive = false;
      session.endReason ??= new Error('the server closed the connection');
    });
    const opened = await Promise.allSettled(
      Array.from({ length: this.config.connections }, () => openChannel(client)),
    );
    for (const r of opened) if (r.status === 'fulfilled') session.channels.push({ sftp: r.value, busy: 0 });
    if (session.channels.length === 0) {
      client.end();
      const reason: unknown = opened.find((r) => r.status === 'rejected')?.reason;
      const text = reason instanceof Error ? reason.message : String(reason);
      throw new CairnError('fatal', `The server ${this.where} refused the SFTP subsystem: ${text}.`, {
        cause: reason,
      });
    }
    return session;
  }

  /** restic's `-o sftp.command`: one SFTP session over the program's pipes (ssh does host keys and login). */
  private async connectCommand(argv: string[]): Promise<Session> {
    const link = await openCommandLink(argv, COMMAND_START_TIMEOUT_MS);
    watchChannel(link.sftp);
    const session: Session = { link, channels: [{ sftp: link.sftp, busy: 0 }], alive: true, endReason: undefined };
    link.onClose((reason) => {
      session.alive = false;
      session.endReason ??= reason;
    });
    return session;
  }

  private open(): Promise<Session> {
    if (this.closed)
      return Promise.reject(new CairnError('fatal', `The SFTP connection to ${this.where} is closed.`));
    if (this.session === undefined) {
      const pending = this.connect();
      this.session = pending;
      pending.catch(() => {
        if (this.session === pending) this.session = undefined;
      });
    }
    return this.session;
  }

  /** Forgets a dead session so the next request connects anew. */
  private async drop(session: Session): Promise<void> {
    session.alive = false;
    if (this.session && (await this.session.catch(() => undefined)) === session) this.session = undefined;
    session.link.end();
  }

  /** Runs one request; a dropped connection becomes a retryable error and the next request reconnects. */
  async run<T>(what: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    let session = await this.open();
    if (!session.alive) {
      await this.drop(session);
      session = await this.open();
    }
    const channel = session.channels.reduce((a, b) => (b.busy < a.busy ? b : a));
    channel.busy++;
    try {
      return await fn(channel.sftp);
    } catch (err) {
      if (!session.alive || (!(err instanceof CairnError) && isConnectionLoss(err))) {
        await this.drop(session);
        throw lostError(this.where, session.endReason ?? err);
      }
      throw sftpError(err, what, this.where);
    } finally {
      channel.busy--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = await this.session?.catch(() => undefined);
    this.session = undefined;
    if (session?.alive) {
      const ended = new Promise((r) => session.link.onClose(() => r(undefined)));
      session.link.end();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }
}
