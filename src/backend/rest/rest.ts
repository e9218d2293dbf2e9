import { CairnError } from '../../core/index.js';
import type { FileType } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import { garbage, statusError, truncatedBody } from './errors.js';
import { HttpClient, IDLE_TIMEOUT_MS } from './http.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { CONTENT_TYPE_V2, parseListing } from './listing.js';
import type { RestConfig } from './location.js';

const ACCEPT = { accept: CONTENT_TYPE_V2 };

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/** `bytes START-END/TOTAL` of a 206 answer; undefined parts when the server leaves them out (`*`). */
function contentRange(header: string | undefined): { start?: number; total?: number } | undefined {
  const m = header === undefined ? null : /^bytes\s+(\d+|\*)(?:-(\d+))?\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return undefined;
  return {
    ...(m[1] !== '*' ? { start: Number(m[1]) } : {}),
    ...(m[3] !== '*' ? { total: Number(m[3]) } : {}),
  };
}

/**
 * A repository behind restic's REST protocol (rest-server, `rclone serve restic`, `cairn serve-repo`): `/config`,
 * `/<type>/<name>` with GET (ranged), HEAD, POST, DELETE, and `GET /<type>/` listings in v2 (names and sizes) or v1
 * (names only; sizes by HEAD). Atomicity of writes is the server's (rest-server and rclone write to a temporary file).
 */
export class RestBackend implements Backend {
  readonly location: string;
  /** The `-o rest.connections` value: sockets in the pool, and the registry's concurrency limit for this backend. */
  readonly connections: number;
  private readonly http: HttpClient;

  constructor(config: RestConfig, idleTimeoutMs = IDLE_TIMEOUT_MS) {
    this.location = config.location;
    this.connections = config.connections;
    this.http = new HttpClient(config, idleTimeoutMs);
  }

  async create(): Promise<void> {
    const res = await this.send({
      method: 'POST',
      path: '?create=true',
      body: new Uint8Array(0),
      what: 'create',
    });
    if (!ok(res.status)) throw statusError(res.status, res.statusText, 'the repository', this.location);
  }

  async *list(type: FileType): AsyncGenerator<FileInfo> {
    if (type === 'config') {
      try {
        yield await this.stat({ type: 'config', name: 'config' });
      } catch (err) {
        if (!(err instanceof CairnError && err.code === 'not-found')) throw err;
      }
      return;
    }
    const what = `the list of ${type}`;
    const res = await this.send({ method: 'GET', path: `${type}/`, headers: ACCEPT, what });
    // rest-server answers 404 for a type folder that does not exist: nothing to list. rclone also uses 404 for
    // its internal errors (restic makes the same exception), so there it stays an error.
    if (res.status === 404 && !String(res.headers.server ?? '').startsWith('rclone/')) return;
    if (!ok(res.status)) throw statusError(res.status, res.statusText, what, this.location);
    const listing = parseListing(res.body, what, this.location);
    const seen = new Set<string>();
    if (listing.version === 2) {
      for (const fi of listing.files) {
        if (seen.has(fi.name)) continue;
        seen.add(fi.name);
        yield fi;
      }
      return;
    }
    yield* this.statAll(
      type,
      listing.names.filter((n) => !seen.has(n) && seen.add(n)),
    );
  }

  async stat(h: Handle): Promise<FileInfo> {
    const what = this.describe(h);
    const res = await this.send({ method: 'HEAD', path: this.path(h), headers: ACCEPT, what });
    if (!ok(res.status)) throw statusError(res.status, res.statusText, what, this.location);
    const size = Number(res.headers['content-length']);
    if (res.headers['content-length'] === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw garbage(`HEAD ${what}`, this.location, 'no Content-Length');
    }
    return { name: h.name, size };
  }

  async read(h: Handle, offset = 0, length?: number): Promise<Buffer> {
    const what = this.describe(h);
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      (length !== undefined && !(Number.isSafeInteger(length) && length >= 0))
    ) {
      throw new CairnError(
        'fatal',
        `Range ${offset}+${length ?? 'rest'} of ${what} is not a valid byte range.`,
      );
    }
    // An empty range has no `Range` header form; a HEAD still proves the file exists and is long enough.
    if (length === 0) return this.checkEmptyRange(h, offset);
    const headers: Record<string, string> = { ...ACCEPT };
    if (length !== undefined) headers.range = `bytes=${offset}-${offset + length - 1}`;
    else if (offset > 0) headers.range = `bytes=${offset}-`;
    const res = await this.send({ method: 'GET', path: this.path(h), headers, what });
    if (res.status === 416) {
      if (length === undefined) return this.checkEmptyRange(h, offset);
      throw this.pastEnd(what, offset, length, (await this.stat(h)).size);
    }
    if (res.status === 206) return this.partial(res, what, offset, length);
    if (res.status === 200) {
      // The server ignored the Range header and sent the whole file.
      const end = length === undefined ? res.body.length : offset + length;
      if (end > res.body.length || offset > res.body.length)
        throw this.pastEnd(what, offset, length, res.body.length);
      return res.body.subarray(offset, end);
    }
    throw statusError(res.status, res.statusText, what, this.location);
  }

  async write(h: Handle, data: Uint8Array): Promise<void> {
    const what = this.describe(h);
    const headers = { ...ACCEPT, 'content-type': 'application/octet-stream' };
    const res = await this.send({ method: 'POST', path: this.path(h), headers, body: data, what });
    if (!ok(res.status)) throw statusError(res.status, res.statusText, what, this.location);
  }

  async remove(h: Handle): Promise<void> {
    const what = this.describe(h);
    const res = await this.send({ method: 'DELETE', path: this.path(h), headers: ACCEPT, what });
    if (!ok(res.status)) throw statusError(res.status, res.statusText, what, this.location);
  }

  close(): Promise<void> {
    this.http.close();
    return Promise.resolve();
  }

  private send(req: HttpRequest): Promise<HttpResponse> {
    return this.http.request(req);
  }

  /** v1 listings carry no sizes: HEAD each name, a pool's worth at a time, in listing order. */
  private async *statAll(type: FileType, names: string[]): AsyncGenerator<FileInfo> {
    for (let i = 0; i < names.length; i += this.connections) {
      const batch = names.slice(i, i + this.connections);
      yield* await Promise.all(batch.map((name) => this.stat({ type, name })));
    }
  }

  private partial(res: HttpResponse, what: string, offset: number, length: number | undefined): Buffer {
    const range = contentRange(res.headers['content-range']);
    const body = res.body;
    if (range?.total !== undefined && offset + (length ?? 0) > range.total) {
      throw this.pastEnd(what, offset, length, range.total);
    }
    if (range?.start !== undefined && range.start !== offset) {
      throw garbage(
        `the range ${offset}+${length ?? 'rest'} of ${what}`,
        this.location,
        `bytes from ${range.start}`,
      );
    }
    if (length !== undefined && body.length !== length) {
      // A total that covers the range means the server cut its answer short; without one, the file ended.
      if (range?.total !== undefined) throw truncatedBody(what, body.length, length, this.location);
      throw this.pastEnd(what, offset, length, offset + body.length);
    }
    return body;
  }

  private async checkEmptyRange(h: Handle, offset: number): Promise<Buffer> {
    const { size } = await this.stat(h);
    if (offset > size) throw this.pastEnd(this.describe(h), offset, 0, size);
    return Buffer.alloc(0);
  }

  private pastEnd(what: string, offset: number, length: number | undefined, size: number): CairnError {
    const range = length === undefined ? `from ${offset}` : `${offset}+${length}`;
    return new CairnError('fatal', `Range ${range} is outside ${what} (${size} bytes).`);
  }

  private path(h: Handle): string {
    if (h.type === 'config') return 'config';
    if (h.name === '' || h.name === '.' || h.name === '..' || h.name.includes('/')) {
      throw new CairnError('fatal', `"${h.name}" is not a valid name for a ${h.type} file.`);
    }
    return `${h.type}/${encodeURIComponent(h.name)}`;
  }

  private describe(h: Handle): string {
    return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
  }
}
