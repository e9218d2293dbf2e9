/** What every HTTP route of the daemon shares: its error type, JSON answers and the caller's identity. */
import type http from 'node:http';
import type { z } from 'zod';
import type { AuditAction } from '../api/index.js';

export type { AuditAction };

/** An error the API answers with its status and message (`{ error }`), never a stack trace. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Who is asking, for the audit log: handed to every route after authentication. */
export interface RequestContext {
  /** The login name, `token` for a bearer token, `anonymous` when the config has no users and no tokens. */
  readonly user: string;
  audit(action: AuditAction, target: string, detail?: string): void;
}

/** Request bodies are small JSON objects; anything bigger is refused before it is buffered. */
const MAX_JSON_BYTES = 64 * 1024;

/**
 * The request's JSON body checked against `schema` (an empty body counts as `{}`). Only `application/json` is taken:
 * a form on another site cannot send that without the browser asking first (CORS), which this server never allows.
 */
export async function readJson<T extends z.ZodType>(
  req: http.IncomingMessage,
  schema: T,
): Promise<z.output<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw new HttpError(413, `the request body is larger than ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() !== '' && !/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new HttpError(415, 'the request body must be JSON (Content-Type: application/json)');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, `the request body is not valid: ${where}${issue.message}`);
  }
  return parsed.data;
}

/** The value of one cookie of the request, or undefined. */
export function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The peer's address: the rate limit counts per address (behind a reverse proxy that is the proxy's). */
export function clientAddress(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
