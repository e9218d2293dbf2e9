/**
 * The daemon's HTTP API on node:http: JSON under /api/v1 (shapes from src/api), /metrics, SSE at /api/v1/events,
 * /healthz and a small page at /. With server.tokens set, /api and /metrics want `Authorization: Bearer TOKEN`.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Run } from '../api/index.js';
import type { Daemon } from './daemon.js';
import { errorMessageOf } from './errors.js';
import { metricsText } from './metrics.js';
import { jobView } from './jobs-view.js';
import { maskedConfig } from './masked-config.js';
import { HttpError, send } from './http-util.js';
import { handleDataRequest } from './data-routes.js';

function tokenOk(header: string | undefined, tokens: string[]): boolean {
  if (tokens.length === 0) return true;
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  return tokens.some((t) => {
    const want = Buffer.from(t);
    return want.length === given.length && timingSafeEqual(want, given);
  });
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>Cairn</title>
<h1>Cairn daemon</h1><ul>
<li><a href="/api/v1/jobs">/api/v1/jobs</a>: jobs, last result, next run</li>
<li><a href="/api/v1/events">/api/v1/events</a>: live events (server-sent events)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/healthz">/healthz</a></li></ul>
<p>The API is described in docs/openapi.json. The dashboard comes later.</p>`;

export class ApiServer {
  private readonly server: http.Server;
  private readonly sse = new Set<http.ServerResponse>();

  constructor(private readonly d: Daemon) {
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
    if (p === '/healthz') return send(res, 200, { status: 'ok' });
    if (p === '/' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(PAGE);
    }
    if (!tokenOk(req.headers.authorization, d.config.server.tokens)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'a valid bearer token is required (server.tokens in the config)');
    }
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
      if (!started)
        throw new HttpError(409, `job ${job} is running already; the request was recorded as a skipped run`);
      return send(res, 202, { runId: await started });
    }
    if ((m = /^\/api\/v1\/runs\/(\d+)$/.exec(p)) && method === 'GET') {
      const run = d.runs.get(Number(m[1]));
      if (!run) throw new HttpError(404, `there is no run ${m[1]}`);
      return send(res, 200, { ...run, log: d.runs.logOf(run.id), steps: d.runs.steps(run.id) });
    }
    if ((m = /^\/api\/v1\/runs\/(\d+)\/cancel$/.exec(p)) && method === 'POST') {
      const id = Number(m[1]);
      if (!d.runs.get(id)) throw new HttpError(404, `there is no run ${id}`);
      if (!d.cancel(id)) throw new HttpError(409, `run ${id} is not running`);
      return send(res, 202, { runId: id });
    }
    if (await handleDataRequest(d, req, res, url, { user: 'anonymous', audit: () => {} })) return;
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
