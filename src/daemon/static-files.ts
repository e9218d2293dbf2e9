/**
 * The built dashboard (web/dist: index.html and hashed assets/*) served by `cairn serve`: assets cached for a year
 * (their names change with their content), index.html revalidated every time, other page paths answered with
 * index.html (the dashboard routes in the browser), nothing outside the folder. Without a build, a small page.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

/** web/dist of the package: two levels up from both src/daemon and dist/daemon, like package.json. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

/** Sent with every page: no scripts or frames from elsewhere, no sniffing, no referrer. */
export const HTML_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const FALLBACK_PAGE = `<!doctype html><meta charset="utf-8"><title>Cairn</title>
<h1>Cairn daemon</h1><ul>
<li><a href="/api/v1/jobs">/api/v1/jobs</a>: jobs, last result, next run</li>
<li><a href="/api/v1/events">/api/v1/events</a>: live events (server-sent events)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/healthz">/healthz</a></li></ul>
<p>The API is described in docs/openapi.json. The dashboard is not built here (web/dist is missing):
<code>npm ci</code> in the project folder builds it.</p>`;

export class StaticFiles {
  constructor(private readonly root: string = WEB_ROOT) {}

  /** Answers a GET or HEAD for a non-API path; false when nothing here matches (the caller answers 404). */
  async serve(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<boolean> {
    const index = path.join(this.root, 'index.html');
    if (!isFile(index)) {
      if (pathname !== '/') return false;
      res.writeHead(200, { ...HTML_HEADERS, 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : FALLBACK_PAGE);
      return true;
    }
    const file = this.resolve(pathname);
    if (file !== undefined && isFile(file)) {
      const immutable = pathname.startsWith('/assets/');
      await this.send(req, res, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return true;
    }
    // A missing asset is a 404, not the page; paths the browser navigates to get index.html.
    if (pathname.startsWith('/assets/') || !/\btext\/html\b/.test(req.headers.accept ?? '')) return false;
    await this.send(req, res, index, 'no-cache');
    return true;
  }

  /** The file a URL path names inside the root, or undefined for anything that could leave it. */
  private resolve(pathname: string): string | undefined {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (rel === '/') rel = '/index.html';
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((s) => s === '..' || s === '.'))
      return undefined;
    const file = path.join(this.root, rel);
    const inside = path.relative(this.root, file);
    if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
    // A symbolic link in the build must not lead out of it either.
    try {
      const real = fs.realpathSync(file);
      const realRel = path.relative(fs.realpathSync(this.root), real);
      return realRel.startsWith('..') || path.isAbsolute(realRel) ? undefined : real;
    } catch {
      return undefined;
    }
  }

  private async send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    file: string,
    cache: string,
  ): Promise<void> {
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers = type.startsWith('text/html') ? HTML_HEADERS : { 'x-content-type-options': 'nosniff' };
    const { size } = fs.statSync(file);
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': size, 'cache-control': cache });
    if (req.method === 'HEAD') return void res.end();
    // A browser that goes away mid-file is no server error.
    await pipeline(fs.createReadStream(file), res).catch((err: unknown) => {
      if (!req.socket.destroyed) throw err;
    });
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
