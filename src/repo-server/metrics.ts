/** `--prometheus`: request, byte and error counters per repository, in Prometheus' text format at `/metrics`. */

const MAX_REPOS = 1000;

interface Counters {
  requests: Map<string, number>;
  bytesIn: number;
  bytesOut: number;
  errors: number;
}

export class Metrics {
  private readonly repos = new Map<string, Counters>();

  /** One answered request: `repo` is its repository path ('' for the root, '-' for no repository). */
  record(repo: string, method: string, status: number, bytesIn: number, bytesOut: number): void {
    // Paths come from clients: past a bound, new ones share one series instead of growing memory.
    const key0 = this.repos.has(repo) || this.repos.size < MAX_REPOS ? repo : '(other)';
    let c = this.repos.get(key0);
    if (!c) this.repos.set(key0, (c = { requests: new Map(), bytesIn: 0, bytesOut: 0, errors: 0 }));
    const key = `${method} ${status}`;
    c.requests.set(key, (c.requests.get(key) ?? 0) + 1);
    c.bytesIn += bytesIn;
    c.bytesOut += bytesOut;
    if (status >= 500) c.errors++;
  }

  render(): string {
    const lines = [
      '# HELP cairn_serve_requests_total Requests answered, by repository, method and status.',
      '# TYPE cairn_serve_requests_total counter',
    ];
    const tail: string[][] = [[], [], []];
    for (const [repo, c] of this.repos) {
      const r = `repo="${label(repo)}"`;
      for (const [key, n] of c.requests) {
        const [method, status] = key.split(' ');
        lines.push(`cairn_serve_requests_total{${r},method="${method}",status="${status}"} ${n}`);
      }
      tail[0]!.push(`cairn_serve_received_bytes_total{${r}} ${c.bytesIn}`);
      tail[1]!.push(`cairn_serve_sent_bytes_total{${r}} ${c.bytesOut}`);
      tail[2]!.push(`cairn_serve_errors_total{${r}} ${c.errors}`);
    }
    const heads = [
      ['cairn_serve_received_bytes_total', 'Upload bytes received, by repository.'],
      ['cairn_serve_sent_bytes_total', 'Response body bytes sent, by repository.'],
      ['cairn_serve_errors_total', 'Requests answered with a server error (5xx), by repository.'],
    ];
    heads.forEach(([name, help], i) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...tail[i]!),
    );
    return `${lines.join('\n')}\n`;
  }
}

/** A label value: backslash, quote and newline escaped as the text format requires. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
