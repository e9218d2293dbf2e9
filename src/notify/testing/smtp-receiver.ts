import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { DecodedMail } from './mail-decode.js';
import { decodeMail } from './mail-decode.js';

export interface ReceivedMail extends DecodedMail {
  from: string;
  to: string[];
  raw: string;
  /** The user that authenticated, if any. */
  user: string | undefined;
  /** Whether the session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
}

export interface SmtpReceiverOptions {
  /** Require this login (plain-text AUTH allowed unless `tls` is set). */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS with this key and certificate (PEM); with `secure`, speak TLS from the first byte instead. */
  tls?: { key: string; cert: string; secure?: boolean };
}

/** Recipients whose address starts with this are refused for good (550), as a mistyped mailbox is. */
export const REFUSED_PREFIX = 'refuse';

/**
 * A real SMTP server (npm smtp-server) in this process on 127.0.0.1 that keeps every accepted message. It refuses
 * `refuse…@` recipients with 550 and answers the next `failNext(n)` messages with a temporary 451.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private failures = 0;
  private server: SMTPServer | undefined;
  port = 0;

  private constructor() {}

  static async start(opts: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
    const receiver = new SmtpReceiver();
    const server = new SMTPServer({
      logger: false,
      authOptional: opts.auth === undefined,
      allowInsecureAuth: opts.tls === undefined,
      ...(opts.tls === undefined
        ? { disabledCommands: ['STARTTLS'] }
        : { key: opts.tls.key, cert: opts.tls.cert, secure: opts.tls.secure ?? false }),
      onAuth(auth, _session, cb) {
        if (opts.auth !== undefined && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
          cb(null, { user: auth.username });
        } else {
          cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        }
      },
      onMailFrom(_address, _session, cb) {
        if (receiver.failures > 0) {
          receiver.failures--;
          cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        } else {
          cb();
        }
      },
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith(REFUSED_PREFIX)) {
          cb(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        } else {
          cb();
        }
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const env = session.envelope;
          receiver.mails.push({
            ...decodeMail(raw),
            raw,
            from: env.mailFrom === false ? '' : env.mailFrom.address,
            to: env.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    receiver.server = server;
    receiver.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
    return receiver;
  }

  /** The next `n` messages get a temporary failure (451) at MAIL FROM. */
  failNext(n: number): void {
    this.failures = n;
  }

  close(): Promise<void> {
    return new Promise((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }
}
