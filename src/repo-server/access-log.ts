/** The access log line: Apache's combined format as rest-server's --log writes it, plus the duration. */
import type http from 'node:http';

/**
 * Escapes what a client controls (URL, user name, user agent) as Apache does: quotes and backslashes get a
 * backslash, control characters become \xNN, so no client can forge a field or a line.
 */
export function escapeLogField(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

export function accessLine(
  req: http.IncomingMessage,
  out: { status: number; bytes: number; user: string | undefined; remote: string },
  ms: number,
  now: number,
): string {
  const when = new Date(now).toISOString();
  const agent = escapeLogField(req.headers['user-agent'] ?? '-');
  const user = out.user === undefined ? '-' : escapeLogField(out.user);
  const line = escapeLogField(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  return `${out.remote} - ${user} [${when}] "${line}" ${out.status} ${out.bytes} "-" "${agent}" ${ms}ms`;
}
