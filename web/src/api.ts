// The one way the dashboard talks to the daemon: JSON under /api/v1, the session's CSRF token on every state change.
import type { RestorePlan, RestoreTarget, Session } from './types';

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
/** Called when a request answers 401: the session ended, the app shows the login form. */
let onUnauthorized: () => void = () => undefined;

export function setSession(s: Session | null): void {
  csrfToken = s?.csrfToken ?? '';
}

export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export const enc = encodeURIComponent;

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(API + path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/login' && path !== '/session') onUnauthorized();
    const message = (data as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => request<T>('POST', path, body);

export const restoreRequest = (
  repo: string,
  id: string,
  body: { paths: string[]; target: RestoreTarget; overwrite: boolean; dryRun: boolean },
): Promise<RestorePlan | { runId: number }> =>
  post(`/repositories/${enc(repo)}/snapshots/${enc(id)}/restore`, body);

/** URL of a file inside a snapshot (preview inline, or as a download). */
export function fileUrl(repo: string, id: string, path: string, download = false): string {
  return `${API}/repositories/${enc(repo)}/snapshots/${enc(id)}/file?path=${enc(path)}${download ? '&download=1' : ''}`;
}

export function archiveUrl(repo: string, id: string, path: string, format: 'tar' | 'zip'): string {
  return `${API}/repositories/${enc(repo)}/snapshots/${enc(id)}/archive?path=${enc(path)}&format=${format}`;
}
