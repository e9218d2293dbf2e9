/** The access log line: Apache's combined format as rest-server's --log writes it, plus the duration. */
import type http from 'node:http';

/**
 * Escapes what a client controls (URL, user name, user agent) as Apache does: quotes and backslashes get a
 * backslash, control characters become \xNN, so no client can forge a field or a line.
 */
export function escapeLogField(text: string): string {
  return text.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
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
