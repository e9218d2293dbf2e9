/**
 * The REST repository server: authentication, repository selection by path prefix, rest-server's policies
 * (private repositories, append-only, maximum size, upload verification) and the HTTP(S) listener.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../backend/index.js';
import { CairnError, errnoCode } from '../core/index.js';
import type { Clock } from '../util/index.js';
import { systemClock } from '../util/index.js';
import type { Authenticator } from './auth.js';
import { parseBasicAuth } from './auth.js';
import { uploadOf } from './body.js';
import { STATUS_TEXT, httpStatusFor } from './errors.js';
import type { Policy, Reply } from './handlers.js';
import { handleRepoRequest } from './handlers.js';
import { baseUrl, parseListenAddress } from './listen.js';
import { Quota } from './quota.js';
import type { Route } from './routes.js';
import { parseRoute, splitTarget } from './routes.js';

/** A pack is at most 128 MiB plus one blob that overflowed it (chunks are ≤ 8 MiB); anything bigger is refused. */
export const DEFAULT_MAX_UPLOAD_BYTES = 144 * 1024 * 1024;

export interface RepositoryServerOptions {
  /**
   * The Backend of the repository at `subPath` below the served folder (`user/repo`, '' for the root). The server
   * checks `subPath` first (no `..`, no hidden or empty names); the factory is called once per request and its
   * Backend closed afterwards, so it should be cheap (a LocalBackend is).
   */
  openRepository(subPath: string): Backend;
  /** Undefined serves everyone (`--no-auth`). */
  authenticator?: Authenticator | undefined;
  /** User X may use only /X/ and below. Needs an authenticator. */
  privateRepos?: boolean;
  /** Create and read, never delete (except locks) or overwrite. */
  appendOnly?: boolean;
  /** Reject uploads whose sha256 is not their name (default true; config is never checked). */
  verifyUpload?: boolean;
  /** Total bytes that may be stored, and how many are stored now. */
  maxSize?: { maxBytes: number; usedBytes: number } | undefined;
  maxUploadBytes?: number;
  clock?: Clock;
  /** Errors and notices, one sentence each. */
  log?: (line: string) => void;
  /** One line per request (rest-server's --log). */
  accessLog?: ((line: string) => void) | undefined;
}

export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface RepositoryServer {
  /** The request handler, for tests or an existing server. */
  readonly listener: http.RequestListener;
  /** Starts listening; resolves with the base URL (the real port if the address asked for port 0). */
  listen(address: string, tls?: TlsFiles): Promise<string>;
  /** Stops accepting, ends open connections, and resolves when the listener is closed. */
  close(): Promise<void>;
}

interface Outcome {
  status: number;
  bytes: number;
  user: string | undefined;
}

function send(res: http.ServerResponse, method: string, reply: Reply): number {
  const headers: Record<string, string> = { ...reply.headers };
  let body = reply.body;
  if (body === undefined && reply.status >= 400) {
    body = `${STATUS_TEXT[reply.status] ?? 'Error'}\n`;
    headers['Content-Type'] = 'text/plain; charset=utf-8';
  }
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
  if (reply.close) headers.Connection = 'close';
  res.writeHead(reply.status, headers);
  if (method === 'HEAD' || body === undefined) res.end();
  else res.end(body);
  return method === 'HEAD' || body === undefined ? 0 : Buffer.byteLength(body);
}

export function createRepositoryServer(options: RepositoryServerOptions): RepositoryServer {
  if (options.privateRepos && !options.authenticator) {
    throw new CairnError(
      'invalid-argument',
      '--private-repos needs authentication; it cannot be combined with --no-auth.',
    );
  }
  return new RestRepositoryServer(options);
}

class RestRepositoryServer implements RepositoryServer {
  readonly listener: http.RequestListener;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly policy: Policy;
  private server: http.Server | https.Server | undefined;

  constructor(private readonly options: RepositoryServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => undefined);
    this.policy = {
      appendOnly: options.appendOnly ?? false,
      verifyUpload: options.verifyUpload ?? true,
      maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      quota: options.maxSize ? new Quota(options.maxSize.maxBytes, options.maxSize.usedBytes) : undefined,
    };
    this.listener = (req, res) => this.respond(req, res);
  }

  /** The user name, undefined without authentication, or false for missing or wrong credentials. */
  private async authenticate(req: http.IncomingMessage): Promise<string | undefined | false> {
    if (!this.options.authenticator) return undefined;
    const cred = parseBasicAuth(req.headers.authorization);
    if (!cred) return false;
    return (await this.options.authenticator.authenticate(cred.user, cred.password)) ? cred.user : false;
  }

  private async serve(req: http.IncomingMessage, out: Outcome): Promise<Reply> {
    const method = req.method ?? 'GET';
    // An unread upload must not be drained after a refusal: close the connection instead.
    const close = method === 'POST';
    const user = await this.authenticate(req);
    if (user === false)
      return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="restic"' }, close };
    out.user = user;
    const target = splitTarget(req.url ?? '/');
    const route: Route | undefined = parseRoute(target.path);
    if (!route) return { status: 404, close };
    if (this.options.privateRepos && route.repo[0] !== user) return { status: 403, close };
    const backend = this.options.openRepository(route.repo.join('/'));
    try {
      const upload = uploadOf(req);
      const request = { method, route, query: target.query, headers: req.headers, upload, backend };
      return await handleRepoRequest(request, this.policy);
    } finally {
      await backend.close().catch(() => undefined);
    }
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = this.clock.now();
    const method = req.method ?? 'GET';
    const out: Outcome = { status: 0, bytes: 0, user: undefined };
    this.serve(req, out)
      .catch((err: unknown): Reply => {
        const status = httpStatusFor(err);
        // A missing file or a refused upload is the client's business; only server-side failures are logged.
        if (status >= 500) this.log(`${method} ${req.url ?? ''}: ${errorText(err)}`);
        return { status, close: method === 'POST' };
      })
      .then((reply) => {
        out.status = reply.status;
        if (!res.headersSent && !res.destroyed) out.bytes = send(res, method, reply);
        const now = this.clock.now();
        this.options.accessLog?.(accessLine(req, out, now - started, now));
      })
      .catch((err: unknown) => this.log(`Could not answer ${method} ${req.url ?? ''}: ${errorText(err)}`));
  }

  async listen(address: string, tls?: TlsFiles): Promise<string> {
    const { host, port } = parseListenAddress(address);
    const s = tls
      ? https.createServer({ cert: tls.cert, key: tls.key }, this.listener)
      : http.createServer(this.listener);
    // Large uploads on slow links must not be cut off by Node's 5-minute request timeout.
    s.requestTimeout = 0;
    s.headersTimeout = 60_000;
    this.server = s;
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host, port }, () => {
          s.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const why = errnoCode(err) === 'EADDRINUSE' ? 'the address is already in use' : errorText(err);
      throw new CairnError('unavailable', `Cannot listen on ${address}: ${why}.`, { cause: err });
    }
    const bound = s.address() as AddressInfo;
    return baseUrl(tls !== undefined, host ?? bound.address, bound.port);
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeIdleConnections();
    s.closeAllConnections();
    await closed;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Apache's combined log format, as rest-server's --log writes it, plus the duration. */
function accessLine(req: http.IncomingMessage, out: Outcome, ms: number, now: number): string {
  const remote = req.socket.remoteAddress ?? '-';
  const when = new Date(now).toISOString();
  const agent = req.headers['user-agent'] ?? '-';
  return `${remote} - ${out.user ?? '-'} [${when}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${out.status} ${out.bytes} "-" "${agent}" ${ms}ms`;
}
