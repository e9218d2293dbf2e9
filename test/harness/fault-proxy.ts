/**
 * A fault-injecting HTTP proxy for tests: it forwards every request to a target server (s3rver, a REST server) and,
 * when told to, breaks some of them the ways real networks and servers do — error statuses, resets, stalls, bodies
 * cut short, flipped bits, an HTML page where XML or JSON was expected.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Answer with this status (and an S3-style XML error body unless `body` is given) without forwarding. */
  | { kind: 'status'; status: number; body?: string }
  /** Forward, then send the headers and half the body and reset the connection (no headers if the body is empty). */
  | { kind: 'reset' }
  /** Forward, then send the headers with the full Content-Length but only `bytes` of the body (default half), then close. */
  | { kind: 'truncate'; bytes?: number }
  /** Forward and flip one bit in the middle of the response body (same length). */
  | { kind: 'corrupt' }
  /** Wait before forwarding. */
  | { kind: 'delay'; ms: number }
  /** Answer 200 with an HTML page without forwarding, as a captive portal or misconfigured server would. */
  | { kind: 'garbage' };

export interface FaultRule {
  /** Matches this HTTP method only (any when absent). */
  method?: string;
  /** Matches when the request's path and query match (any when absent). */
  path?: RegExp;
  /** How many matching requests get the fault (Infinity: all). */
  times: number;
  fault: Fault;
}

export interface SeenRequest {
  method: string;
  url: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
}

const S3_CODES: Record<number, string> = {
  400: 'BadRequest',
  403: 'InvalidAccessKeyId',
  404: 'NoSuchKey',
  429: 'SlowDown',
  500: 'InternalError',
  503: 'SlowDown',
};

function errorBody(status: number): string {
  const code = S3_CODES[status] ?? 'InternalError';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>Injected by the fault proxy</Message><RequestId>fault</RequestId></Error>`;
}

const GARBAGE =
  '<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>\n';

export class FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly seen: SeenRequest[] = [];
  private rules: FaultRule[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  /** Starts a proxy on a free port of 127.0.0.1 in front of `target` (e.g. `http://127.0.0.1:4568`). */
  static async start(target: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, new URL(target));
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch(() => res.destroy());
    });
    return proxy;
  }

  /** Adds a rule; rules are tried in the order they were added and each is used up after `times` matches. */
  inject(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  /** Removes every rule that is left. */
  clear(): void {
    this.rules = [];
  }

  /** Requests that matched a fault so far. */
  get faults(): number {
    return this.seen.filter((r) => r.fault !== undefined).length;
  }

  /** Number of requests seen, optionally only those with this method or fault. */
  count(filter: { method?: string; fault?: Fault['kind'] } = {}): number {
    return this.seen.filter(
      (r) =>
        (filter.method === undefined || r.method === filter.method) &&
        (filter.fault === undefined || r.fault === filter.fault),
    ).length;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(method: string, url: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.times <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined && !rule.path.test(url)) continue;
      rule.times--;
      return rule.fault;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const fault = this.take(method, url);
    this.seen.push(fault ? { method, url, fault: fault.kind } : { method, url });
    const body = await readAll(req);
    if (fault?.kind === 'status') {
      const text = fault.body ?? (method === 'HEAD' ? '' : errorBody(fault.status));
      res.writeHead(fault.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(text),
      });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (fault?.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(GARBAGE) });
      res.end(method === 'HEAD' ? undefined : GARBAGE);
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    const upstream = await this.forward(req, body);
    this.respond(res, upstream, fault);
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const out = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: this.agent,
        },
        (up) => {
          readAll(up).then(
            (data) => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: data }),
            reject,
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  private respond(res: http.ServerResponse, up: Upstream, fault: Fault | undefined): void {
    const headers = { ...up.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    const isHead = res.req.method === 'HEAD';
    const length = isHead ? headers['content-length'] : String(up.body.length);
    if (length !== undefined) headers['content-length'] = length;
    let data = up.body;
    if (fault?.kind === 'reset') {
      if (data.length === 0) {
        res.socket?.resetAndDestroy();
        return;
      }
      res.writeHead(up.status, headers);
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.socket?.resetAndDestroy());
      return;
    }
    if (fault?.kind === 'truncate') {
      res.writeHead(up.status, headers);
      const keep = Math.min(fault.bytes ?? Math.floor(data.length / 2), Math.max(0, data.length - 1));
      res.write(data.subarray(0, keep), () => res.socket?.destroy());
      return;
    }
    if (fault?.kind === 'corrupt' && data.length > 0) {
      data = Buffer.from(data);
      data[Math.floor(data.length / 2)]! ^= 0x10;
    }
    res.writeHead(up.status, headers);
    res.end(isHead ? undefined : data);
  }
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}
