/** What the data routes share: names from the URL, snapshot paths, request bodies, signals and error statuses. */
import type http from 'node:http';
import { isCairnError } from '../core/index.js';
import type { Daemon } from './daemon.js';
import { HttpError } from './http-util.js';
import type { RequestContext } from './http-util.js';

export interface RouteArgs {
  d: Daemon;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  ctx: RequestContext;
  /** The URL's captured path segments, decoded. */
  params: string[];
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(a: RouteArgs): Promise<void>;
}

/** The repository named in the URL, which must be in the config. */
export function repositoryName(d: Daemon, name: string): string {
  if (!Object.hasOwn(d.config.repositories, name))
    throw new HttpError(404, `there is no repository ${name} in the config`);
  return name;
}

/**
 * A path inside a snapshot, from a query parameter or a request: absolute, without `..` (it names snapshot
 * content only, never a file of this computer); `//` and a trailing `/` are dropped.
 */
export function snapshotPath(value: string | null | undefined, fallback?: string): string {
  if (value === null || value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new HttpError(400, 'the path parameter is missing');
  }
  return cleanAbsolute(value, 'path');
}

/** An absolute path without `..` segments or NUL, with empty and `.` segments dropped. */
export function cleanAbsolute(value: string, what: string): string {
  if (!value.startsWith('/')) throw new HttpError(400, `the ${what} must be absolute (start with /)`);
  const parts = value.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..') || value.includes('\0'))
    throw new HttpError(400, `the ${what} must not contain ".." segments`);
  return `/${parts.join('/')}`;
}

/** Aborted when the client goes away before the answer is complete. */
export function requestSignal(res: http.ServerResponse): AbortSignal {
  const c = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) c.abort(new Error('the client went away'));
  });
  return c.signal;
}

/** The HTTP status of an app error: what was asked for is missing (404), wrong (400) or busy (409). */
export function httpErrorOf(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (isCairnError(err, 'not-found')) return new HttpError(404, err.message);
  if (isCairnError(err, 'invalid-argument')) return new HttpError(400, err.message);
  if (isCairnError(err, 'lock-failed')) return new HttpError(409, err.message);
  return err;
}

/** `limit` from the query: a whole number in 1..max, `fallback` when absent or wrong. */
export function limitParam(url: URL, fallback: number, max: number): number {
  return Math.min(max, Math.max(1, Number(url.searchParams.get('limit') ?? fallback) || fallback));
}

/**
 * `offset` and `limit` of a paged listing: whole numbers, `offset` ≥ 0 (0 when absent), `limit` ≥ 1 (everything from
 * `offset` on when absent). A wrong one is refused rather than guessed.
 */
export function pageParams(url: URL): { offset: number; limit: number } {
  const whole = (key: string, min: number, fallback: number): number => {
    const v = url.searchParams.get(key);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || !/^\d+$/.test(v))
      throw new HttpError(400, `${key} must be a whole number of at least ${min}, not "${v}"`);
    return n;
  };
  return { offset: whole('offset', 0, 0), limit: whole('limit', 1, Number.POSITIVE_INFINITY) };
}
