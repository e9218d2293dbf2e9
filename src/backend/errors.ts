import { errnoCode } from '../core/index.js';

/** Failures to open a connection at all: the server is not there (yet). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Failures of an established connection (Node's and undici's codes): a new one may work. */
const BROKEN = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Node's (http) and undici's words for a connection the peer dropped; they carry no errno code. */
const HUNG_UP = /socket hang up|other side closed|^aborted$/i;

/** How many links of a `cause` chain are looked at: enough for fetch/SDK wrapping, bounded against cycles. */
const MAX_DEPTH = 5;

/** A network failure: `unreachable` when no connection was made, `broken` when one was lost; `code` is for messages. */
export interface NetworkFailure {
  kind: 'unreachable' | 'broken';
  /** The errno code found, or ECONNRESET for a hang-up that carries none. */
  code: string;
}

/** The error and its `cause`s, outermost first, at most MAX_DEPTH of them. */
export function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < MAX_DEPTH; ) {
    chain.push(e);
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return chain;
}

/** Classifies one error by its own code or message, without looking at its causes. */
export function ownNetworkFailure(e: unknown): NetworkFailure | undefined {
  const code = errnoCode(e);
  if (code !== undefined && UNREACHABLE.has(code)) return { kind: 'unreachable', code };
  if (code !== undefined && BROKEN.has(code)) return { kind: 'broken', code };
  if (e instanceof Error && HUNG_UP.test(e.message)) return { kind: 'broken', code: 'ECONNRESET' };
  return undefined;
}

/**
 * Whether an error (or one of its causes, outermost first) is a network failure, and which kind. Backends map these
 * to retryable `unavailable` errors; the retry wrapper uses the kind to give up early on a server never reached.
 */
export function networkFailure(err: unknown): NetworkFailure | undefined {
  for (const e of causeChain(err)) {
    const failure = ownNetworkFailure(e);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
