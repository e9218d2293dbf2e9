import { CairnError, errnoCode } from '../../core/index.js';
import { causeChain, networkFailure } from '../errors.js';

/** TLS verdicts on the server's certificate: like a host key mismatch, retrying cannot help. */
const CERT = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

/** Statuses a retry may fix: timeouts, throttling, and the server's own failures. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Turns a failed HTTP exchange into a CairnError with the Backend contract's code and retryability. `what` names the
 * file ("data/0a1b2c3d", "the list of keys"), `server` the repository location for messages.
 */
export function statusError(status: number, statusText: string, what: string, server: string): CairnError {
  const tag = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 404) return new CairnError('not-found', `The REST server has no ${what} (${tag}).`);
  if (status === 401) {
    return new CairnError(
      'access-denied',
      `The REST server ${server} refused the credentials (${tag}); check the user name and password in the URL or CAIRN_REST_USERNAME/CAIRN_REST_PASSWORD.`,
    );
  }
  if (status === 403) {
    return new CairnError(
      'access-denied',
      `The REST server ${server} forbade access to ${what} (${tag}); check the user name and password, and whether the server is append-only or has private repositories.`,
    );
  }
  if (status === 413 || status === 507) {
    return new CairnError('no-space', `The REST server ${server} has no room for ${what} (${tag}).`);
  }
  if (isTransientStatus(status)) {
    return new CairnError('unavailable', `The REST server ${server} failed on ${what} (${tag}).`, {
      retryable: true,
    });
  }
  if (status >= 300 && status < 400) {
    return new CairnError(
      'fatal',
      `The REST server ${server} redirected ${what} elsewhere (${tag}); use the final URL as the repository.`,
    );
  }
  return new CairnError('fatal', `The REST server ${server} rejected ${what} (${tag}).`);
}

/** Codes of the HTTP parser, TLS and protocol layers: the connection broke mid-exchange, a new one may work. */
const PROTOCOL = /^(HPE_|ERR_SSL|EPROTO)/;

/** Turns an error of the socket or TLS layer into a CairnError; `what` names the file, `server` the location. */
export function networkError(err: unknown, what: string, server: string): CairnError {
  if (err instanceof CairnError) return err;
  const net = networkFailure(err);
  const other = causeChain(err).map(errnoCode).find((c) => c !== undefined);
  // No code at all: fetch gave up on the connection without saying why.
  const code = net?.code ?? other ?? 'ECONNRESET';
  const opts = { cause: err };
  if (net?.kind === 'unreachable') {
    return new CairnError('unavailable', `Cannot reach the REST server ${server} (${code}).`, {
      ...opts,
      retryable: true,
    });
  }
  if (CERT.test(code)) {
    return new CairnError(
      'access-denied',
      `The TLS certificate of ${server} is not trusted (${code}); pass its CA with --cacert FILE (or -o rest.cacert=FILE, NODE_EXTRA_CA_CERTS).`,
      opts,
    );
  }
  if (net !== undefined || other === undefined || PROTOCOL.test(code)) {
    return new CairnError('unavailable', `The connection to ${server} broke during ${what} (${code}).`, {
      ...opts,
      retryable: true,
    });
  }
  return new CairnError('fatal', `The request for ${what} to ${server} failed (${code}).`, opts);
}

/** A body that ended before all its bytes arrived: the next try will most likely get it whole. */
export function truncatedBody(
  what: string,
  got: number,
  want: number | undefined,
  server: string,
): CairnError {
  const of = want === undefined ? '' : ` of ${want}`;
  return new CairnError('unavailable', `The REST server ${server} sent only ${got}${of} bytes of ${what}.`, {
    retryable: true,
  });
}

/** An answer that is not restic's REST protocol: a wrong URL, a proxy's error page, a different server. */
export function garbage(what: string, server: string, detail: string): CairnError {
  return new CairnError(
    'fatal',
    `The REST server ${server} answered ${what} with something that is not restic's REST protocol (${detail}); check the repository URL.`,
  );
}
