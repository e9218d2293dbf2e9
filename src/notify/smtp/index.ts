/**
 * @module notify/smtp
 * E-mail through an SMTP server with nodemailer: implicit TLS (`secure`) or STARTTLS (required, opportunistic or
 * off), optional authentication, a private CA for self-signed servers. One connection per message: notifications
 * are rare, and a fresh connection never inherits a broken one.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { CairnError, errnoCode, throwIfAborted } from '../../core/index.js';
import type { Channel } from '../channel.js';
import type { SmtpChannelConfig } from '../config.js';
import type { Message } from '../message.js';
import { maskSecrets } from '../redact.js';

/** Reads a secret or certificate named in the config; a missing file is a config error, said in one sentence. */
function readConfigFile(channel: string, key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CairnError(
      'invalid-argument',
      `Channel ${channel}: cannot read ${key} ${path} (${errnoCode(err) ?? String(err)}).`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Network trouble and SMTP 4xx replies are worth another try; 5xx replies and TLS or auth failures are not.
 * nodemailer reports both a refused connection and an untrusted certificate as ESOCKET; the socket's own code
 * (`originalCode`) tells them apart: errno codes (ECONNREFUSED…) are network trouble, TLS codes
 * (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_…) are configuration.
 */
function isRetryable(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown; originalCode?: unknown };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  if (typeof e.originalCode === 'string' && !/^E[A-Z]+$/.test(e.originalCode)) return false;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED'].includes(
    String(e.code),
  );
}

export class SmtpChannel implements Channel {
  private readonly options: SMTPTransport.Options;
  private readonly password: string | undefined;
  private readonly where: string;

  /** Throws a CairnError ('invalid-argument') when `password_file` or `ca_file` cannot be read. */
  constructor(
    readonly name: string,
    private readonly config: SmtpChannelConfig,
  ) {
    this.password =
      config.password_file === undefined
        ? config.password
        : readConfigFile(name, 'password_file', config.password_file).replace(/\r?\n$/, '');
    const ca = config.ca_file === undefined ? undefined : readConfigFile(name, 'ca_file', config.ca_file);
    const port = config.port ?? (config.secure ? 465 : 587);
    const timeout = config.timeout_seconds * 1000;
    this.where = `${config.host}:${port}`;
    this.options = {
      host: config.host,
      port,
      secure: config.secure,
      requireTLS: config.starttls === 'required',
      ignoreTLS: config.starttls === 'off',
      ...(config.user === undefined ? {} : { auth: { user: config.user, pass: this.password ?? '' } }),
      ...(ca === undefined ? {} : { tls: { ca } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  }

  async send(message: Message, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const transport = nodemailer.createTransport(this.options);
    const sending = transport.sendMail({
      from: this.config.from,
      to: this.config.to,
      subject: message.subject,
      text: message.text,
      headers: { 'X-Cairn-Event': message.event.kind },
    });
    try {
      await abortable(sending, signal);
    } catch (err) {
      if (err instanceof CairnError) throw err;
      const said = maskSecrets(
        err instanceof Error ? err.message : String(err),
        this.password ? [this.password] : [],
      );
      throw new CairnError(
        isRetryable(err)
          ? 'unavailable'
          : (err as { code?: unknown }).code === 'EAUTH'
            ? 'access-denied'
            : 'invalid-argument',
        `${this.name}: the mail server ${this.where} did not take the message: ${said.replace(/[.\s]+$/, '')}.`,
        { cause: err, retryable: isRetryable(err) },
      );
    } finally {
      transport.close();
    }
  }

  async close(): Promise<void> {}
}

/** Rejects with 'interrupted' as soon as `signal` fires; the SMTP conversation itself ends by its own timeouts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      try {
        throwIfAborted(signal);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
