/** What every HTTP route of the daemon shares: its error type, JSON answers and the caller's identity. */
import type http from 'node:http';

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

export type AuditAction =
  | 'login'
  | 'login-failed'
  | 'logout'
  | 'run'
  | 'cancel'
  | 'check'
  | 'prune'
  | 'drill'
  | 'restore'
  | 'download';

/** Who is asking, for the audit log: handed to every route after authentication. */
export interface RequestContext {
  /** The login name, `token` for a bearer token, `anonymous` when the config has no users and no tokens. */
  readonly user: string;
  audit(action: AuditAction, target: string, detail?: string): void;
}
