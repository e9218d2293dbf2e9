/**
 * The REST repository server: authentication, repository selection by path prefix, rest-server's policies
 * (private repositories, append-only, maximum size, upload verification), the HTTP(S) listener and its limits
 * (idle timeout, connection cap, graceful shutdown).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, errnoCode } from '../core/index.js';
import type { Clock } from '../util/index.js';
import { systemClock } from '../util/index.js';
import { accessLine } from './access-log.js';
import type { Authenticator } from './auth.js';
import { parseBasicAuth } from './auth.js';
import { STATUS_TEXT, httpStatusFor } from './errors.js';
import type { Policy, Reply } from './handlers.js';
import { handleRepoRequest } from './handlers.js';
import { baseUrl, parseListenAddress } from './listen.js';
import { Metrics } from './metrics.js';
import { Quota } from './quota.js';
import { repositoryFolder } from './repo-path.js';
import type { Route } from './routes.js';
import { parseRoute, splitTarget } from './routes.js';
import { RepoFolder } from './store.js';
import { uploadOf } from './upload.js';

/** A pack is at most 128 MiB plus one blob that overflowed it (chunks are ≤ 8 MiB); anything bigger is refused. */
export const DEFAULT_MAX_UPLOAD_BYTES = 144 * 1024 * 1024;
/** A client silent this long in the middle of a request (or between requests) is disconnected. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_CONNECTIONS = 256;
/** How long a shutdown waits for requests in flight (uploads finishing) before it cuts them off. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export interface RepositoryServerOptions {
  /** The served folder: `/user/repo/…` in a URL is the repository folder `root/user/repo`. */
  root: string;
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
  idleTimeoutMs?: number;
  /** Connections beyond this many are closed at once (0: no cap). */
  maxConnections?: number;
  shutdownGraceMs?: number;
  /** Serve Prometheus metrics at /metrics; `noAuth` serves them without credentials. */
  metrics?: { noAuth: boolean } | undefined;
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
  /**
   * Stops accepting, lets requests in flight finish for the shutdown grace, then ends what is left (their temporary
   * files are removed) and resolves when all is closed.
   */
  close(): Promise<void>;
}

interface Outcome {
  status: number;
  bytes: number;
  user: string | undefined;
  repo: string;
  /** Taken at the start: a socket that is gone no longer knows it. */
  remote: string;
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
  private readonly metrics: Metrics | undefined;
  private readonly inFlight = new Set<Promise<void>>();
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
    this.metrics = options.metrics ? new Metrics() : undefined;
    this.listener = (req, res) => this.respond(req, res);
  }

  /** The user name, undefined without authentication, or false for missing or wrong credentials. */
  private async authenticate(req: http.IncomingMessage): Promise<string | undefined | false> {
    if (!this.options.authenticator) return undefined;
    const cred = parseBasicAuth(req.headers.authorization);
    if (!cred) return false;
    const client = req.socket.remoteAddress ?? '';
    return (await this.options.authenticator.authenticate(cred.user, cred.password, client))
      ? cred.user
      : false;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, out: Outcome): Promise<Reply> {
    const method = req.method ?? 'GET';
    // An unread upload must not be drained after a refusal: close the connection instead.
    const close = method === 'POST';
    const target = splitTarget(req.url ?? '/');
    const metricsAsked = this.metrics !== undefined && target.path === '/metrics';
    if (metricsAsked && this.options.metrics?.noAuth) return this.metricsReply(method);
    // Authentication comes before anything else, `100 Continue` included: strangers never get to send a body.
    const user = await this.authenticate(req);
    if (user === false)
      return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="restic"' }, close };
    out.user = user;
    if (metricsAsked) return this.metricsReply(method);
    const route: Route | undefined = parseRoute(target.path);
    if (!route) return { status: 404, close };
    if (this.options.privateRepos && route.repo[0] !== user) return { status: 403, close };
    out.repo = route.repo.join('/');
    const folder = new RepoFolder(repositoryFolder(this.options.root, out.repo));
    const upload = uploadOf(req, () => {
      if (/100-continue/i.test(String(req.headers.expect ?? ''))) res.writeContinue();
    });
    const request = { method, route, query: target.query, headers: req.headers, upload, folder };
    return handleRepoRequest(request, this.policy);
  }

  private metricsReply(method: string): Reply {
    if (method !== 'GET') return { status: 405, headers: { Allow: 'GET' } };
    const body = this.metrics!.render();
    return { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body };
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = this.clock.now();
    const method = req.method ?? 'GET';
    const out: Outcome = {
      status: 0,
      bytes: 0,
      user: undefined,
      repo: '-',
      remote: req.socket.remoteAddress ?? '-',
    };
    const done = this.serve(req, res, out)
      .catch((err: unknown): Reply => {
        const status = httpStatusFor(err);
        // A missing file or a refused upload is the client's business; only server-side failures are logged.
        if (status >= 500) this.log(`${method} ${req.url ?? ''}: ${errorText(err)}`);
        return { status, close: method === 'POST' };
      })
      .then(async (reply) => {
        out.status = reply.status;
        out.bytes = await send(res, method, reply);
      })
      .catch((err: unknown) => this.log(`Could not answer ${method} ${req.url ?? ''}: ${errorText(err)}`))
      .finally(() => {
        this.inFlight.delete(done);
        const now = this.clock.now();
        this.metrics?.record(out.repo, method, out.status, received(req), out.bytes);
        this.options.accessLog?.(accessLine(req, out, now - started, now));
      });
    this.inFlight.add(done);
  }

  async listen(address: string, tls?: TlsFiles): Promise<string> {
    const { host, port } = parseListenAddress(address);
    const s = tls
      ? https.createServer({ cert: tls.cert, key: tls.key }, this.listener)
      : http.createServer(this.listener);
    const idle = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    // A large upload on a slow link may take long as a whole; what is bounded is silence (socket inactivity).
    s.requestTimeout = 0;
    s.headersTimeout = idle;
    s.timeout = idle;
    s.keepAliveTimeout = Math.min(5_000, idle);
    s.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    // Our own handler answers `Expect: 100-continue` once the request is authenticated.
    s.on('checkContinue', this.listener);
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
    // Pending password checks answer 401 at once; uploads in flight get the grace period to finish.
    await this.options.authenticator?.close?.();
    const grace = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    const stop = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      sleep(grace, undefined, { signal: stop.signal }).catch(() => undefined),
    ]);
    stop.abort();
    s.closeAllConnections();
    // Cut-off uploads remove their temporary files before this resolves.
    await Promise.allSettled([...this.inFlight]);
    await closed;
  }
}

/** Bytes of a request body the server took in whole (a chunked body is not counted). */
function received(req: http.IncomingMessage): number {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && req.complete ? n : 0;
}

async function send(res: http.ServerResponse, method: string, reply: Reply): Promise<number> {
  const file = reply.file;
  try {
    if (res.headersSent || res.destroyed) return 0;
    const headers: Record<string, string> = { ...reply.headers };
    let body = reply.body;
    if (body === undefined && file === undefined && reply.status >= 400) {
      body = `${STATUS_TEXT[reply.status] ?? 'Error'}\n`;
      headers['Content-Type'] = 'text/plain; charset=utf-8';
    }
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    if (file !== undefined) headers['Content-Length'] = String(file.length);
    if (reply.close) headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    if (method === 'HEAD' || (body === undefined && (file === undefined || file.length === 0))) {
      res.end();
      return 0;
    }
    if (file === undefined) {
      res.end(body);
      return Buffer.byteLength(body!);
    }
    const end = file.start + file.length - 1;
    await pipeline(file.handle.createReadStream({ start: file.start, end, autoClose: false }), res);
    return file.length;
  } finally {
    await file?.handle.close().catch(() => undefined);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
