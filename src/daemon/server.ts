/**
 * The daemon's HTTP server on node:http: JSON under /api/v1 (shapes from src/api), /metrics, SSE at /api/v1/events,
 * /healthz, and the built dashboard at / (static-files.ts). Every /api and /metrics request is identified first
 * (auth.ts: bearer token, session cookie, or open mode) and state-changing ones checked for the CSRF token; the
 * routes get a RequestContext naming the caller for the audit log.
 */
import http from 'node:http';
import type { Run } from '../api/index.js';
import { Auth } from './auth.js';
import type { Identity } from './auth.js';
import type { Daemon } from './daemon.js';
import { errorMessageOf } from './errors.js';
import { metricsText } from './metrics.js';
import { jobView } from './jobs-view.js';
import { maskedConfig } from './masked-config.js';
import type { RequestContext } from './http-util.js';
import { clientAddress, HttpError, send } from './http-util.js';
import { StaticFiles } from './static-files.js';
import { handleDataRequest } from './data-routes.js';

export interface ApiServerOptions {
  /** The built dashboard (default: the package's web/dist). */
  webRoot?: string;
}

export class ApiServer {
  private readonly server: http.Server;
  private readonly sse = new Set<http.ServerResponse>();
  private readonly auth: Auth;
  private readonly files: StaticFiles;

  constructor(
    private readonly d: Daemon,
    opts: ApiServerOptions = {},
  ) {
    this.auth = new Auth(() => d.config.server);
    this.files = new StaticFiles(opts.webRoot);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) d.logger.error(`API ${req.method} ${req.url}: ${errorMessageOf(err)}`);
        if (!res.headersSent) send(res, status, { error: errorMessageOf(err) });
        else res.end();
      });
    });
  }

  /** Listens on HOST:PORT and returns the base URL. */
  listen(address: string): Promise<string> {
    const m = /^(.*):(\d+)$/.exec(address)!;
    const host = m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(Number(m[2]), host, () => {
        const a = this.server.address() as { port: number };
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${a.port}`);
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.sse) res.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const d = this.d;
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    res.setHeader('x-content-type-options', 'nosniff');
    if (p === '/healthz') return send(res, 200, { status: 'ok' });
    if (!p.startsWith('/api/') && p !== '/metrics') {
      if ((method === 'GET' || method === 'HEAD') && (await this.files.serve(req, res, p))) return;
      throw new HttpError(404, `no such page: ${method} ${p}`);
    }
    res.setHeader('cache-control', 'no-store');
    const audit =
      (user: string): RequestContext['audit'] =>
      (action, target, detail) =>
        d.runs.audit(Date.now(), user, action, target, detail);
    if (p === '/api/v1/login' && method === 'POST') {
      const session = await this.auth.login(req, res, (ok, name, address) =>
        audit(name ?? 'anonymous')(
          ok ? 'login' : 'login-failed',
          name ?? '(unknown user)',
          `from ${address}`,
        ),
      );
      return send(res, 200, session);
    }
    const id = this.auth.identify(req);
    if (p === '/api/v1/logout' && method === 'POST') return this.logout(req, res, id);
    if (!id) {
      if (d.config.server.users.length === 0) res.setHeader('www-authenticate', 'Bearer');
      throw Auth.unauthorized(d.config.server);
    }
    if (p === '/api/v1/session' && method === 'GET') return send(res, 200, this.auth.sessionView(id));
    this.auth.checkCsrf(req, id);
    return this.route(req, res, url, { user: id.user, audit: audit(id.user) });
  }

  private logout(req: http.IncomingMessage, res: http.ServerResponse, id: Identity | undefined): void {
    if (id?.via === 'session') this.auth.checkCsrf(req, id);
    const user = this.auth.logout(req, res);
    if (user !== undefined) this.d.runs.audit(Date.now(), user, 'logout', user, `from ${clientAddress(req)}`);
    res.writeHead(204);
    res.end();
  }

  /** The API's routes, after authentication. */
  private async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    ctx: RequestContext,
  ): Promise<void> {
    const d = this.d;
    const p = url.pathname;
    const method = req.method ?? 'GET';
    if (p === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(metricsText(d));
    }
    if (p === '/api/v1/events' && method === 'GET') return this.events(req, res);
    if (p === '/api/v1/config' && method === 'GET') return send(res, 200, maskedConfig(d.config));
    let m: RegExpExecArray | null;
    if (p === '/api/v1/jobs' && method === 'GET')
      return send(
        res,
        200,
        Object.keys(d.config.jobs).map((n) => jobView(d, n)),
      );
    if ((m = /^\/api\/v1\/jobs\/([^/]+)\/runs$/.exec(p)) && method === 'GET') {
      const job = this.job(m[1]!);
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
      return send(res, 200, d.runs.runs(job, limit) satisfies Run[]);
    }
    if ((m = /^\/api\/v1\/jobs\/([^/]+)\/run$/.exec(p)) && method === 'POST') {
      const job = this.job(m[1]!);
      const started = d.trigger(job, 'backup', 'api');
      if (!started) {
        ctx.audit('run', job, 'refused: the job was running already');
        throw new HttpError(409, `job ${job} is running already; the request was recorded as a skipped run`);
      }
      const runId = await started;
      ctx.audit('run', job, `run ${runId}`);
      return send(res, 202, { runId });
    }
    if ((m = /^\/api\/v1\/runs\/(\d+)$/.exec(p)) && method === 'GET') {
      const run = d.runs.get(Number(m[1]));
      if (!run) throw new HttpError(404, `there is no run ${m[1]}`);
      return send(res, 200, { ...run, log: d.runs.logOf(run.id), steps: d.runs.steps(run.id) });
    }
    if ((m = /^\/api\/v1\/runs\/(\d+)\/cancel$/.exec(p)) && method === 'POST') {
      const id = Number(m[1]);
      const run = d.runs.get(id);
      if (!run) throw new HttpError(404, `there is no run ${id}`);
      if (!d.cancel(id)) throw new HttpError(409, `run ${id} is not running`);
      ctx.audit('cancel', run.job, `run ${id}`);
      return send(res, 202, { runId: id });
    }
    if (p === '/api/v1/audit' && method === 'GET') {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 200) || 200));
      return send(res, 200, d.runs.auditLog(limit));
    }
    if (await handleDataRequest(d, req, res, url, ctx)) return;
    throw new HttpError(404, `no such endpoint: ${method} ${p}`);
  }

  private job(encoded: string): string {
    const name = decodeURIComponent(encoded);
    if (!(name in this.d.config.jobs)) throw new HttpError(404, `there is no job ${name} in the config`);
    return name;
  }

  private events(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    this.sse.add(res);
    const off = this.d.subscribe((name, data) =>
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      off();
      clearInterval(ping);
      this.sse.delete(res);
    });
  }
}
