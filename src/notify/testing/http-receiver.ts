import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for chat services and ping servers. It keeps every request it
 * answered with 2xx (in `requests`; refused ones in `refused`) and answers by path:
 * - `/refuse…` → 400 (a permanent refusal);
 * - `/flaky/N/…` → 503 for the first N requests to that path, then 200;
 * - `/body-refuse…` → 200 with a Feishu/DingTalk/WeCom-style error code in the body;
 * - anything else → 200 with a body that every service's success check accepts.
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly refused: ReceivedRequest[] = [];
  private readonly hits = new Map<string, number>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<HttpReceiver> {
    const server = http.createServer();
    const receiver = new HttpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const { status, body } = receiver.answer(got.url);
        (status < 300 ? receiver.requests : receiver.refused).push(got);
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private answer(url: string): { status: number; body: string } {
    const path = url.split('?')[0] ?? '';
    const n = (this.hits.get(path) ?? 0) + 1;
    this.hits.set(path, n);
    if (path.startsWith('/refuse')) return { status: 400, body: '{"error":"bad request"}' };
    if (path.startsWith('/body-refuse'))
      return {
        status: 200,
        body: '{"code":19024,"msg":"Key Words Not Found","errcode":310000,"errmsg":"keywords not in content"}',
      };
    const flaky = /^\/flaky\/(\d+)\//.exec(path);
    if (flaky !== null && n <= Number(flaky[1])) return { status: 503, body: '{"error":"busy"}' };
    return { status: 200, body: '{"ok":true,"code":0,"errcode":0,"errmsg":"ok"}' };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
