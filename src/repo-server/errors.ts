/** The only place where error codes become HTTP statuses (STYLE.md). */
import type { ErrorCode } from '../core/index.js';
import { CairnError } from '../core/index.js';

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  'not-found': 404,
  'repository-not-found': 404,
  'invalid-argument': 400,
  'access-denied': 403,
  'no-space': 507,
  unavailable: 503,
  interrupted: 503,
};

/** A refusal that already knows its status (413 for a body past a bound, 400 for a hash mismatch). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The status for an error a Backend threw while serving a request; anything unexpected is a 500. */
export function httpStatusFor(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (!(err instanceof CairnError)) return 500;
  const status = BY_CODE[err.code];
  if (status !== undefined) return status;
  // A transient storage failure: the client's retry may succeed, so say so.
  return err.retryable ? 503 : 500;
}

/** The reason phrase that goes into error bodies; backend messages stay in the server log (they name paths). */
export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  206: 'Partial Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};
