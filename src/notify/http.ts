import { CairnError, errnoCode, throwIfAborted } from '../core/index.js';
import { describeUrl, maskSecrets } from './redact.js';

/** The fetch the HTTP channels use; tests and the daemon may pass their own (a proxy-aware one, say). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpCall {
  /** The channel's name, for the error sentence. */
  channel: string;
  url: string;
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Secrets to keep out of error messages (the URL's own credentials, header values). */
  secrets?: readonly string[];
}

function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * One HTTP request of a channel, with a timeout. Resolves with the response text of a 2xx answer; otherwise rejects
 * with a CairnError whose message names the channel and the server's origin (never the path, which holds a
 * webhook's token) and whose `retryable` follows the Channel contract.
 */
export async function httpCall(fetchFn: FetchLike, call: HttpCall): Promise<string> {
  throwIfAborted(call.signal);
  const where = describeUrl(call.url);
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(call.url, {
      method: call.method ?? 'POST',
      headers: call.headers ?? {},
      ...(call.body === undefined ? {} : { body: call.body }),
      signal,
      redirect: 'error',
    });
    text = await res.text();
  } catch (err) {
    throwIfAborted(call.signal);
    if (timeout.aborted) {
      throw new CairnError(
        'unavailable',
        `${call.channel}: ${where} did not answer within ${call.timeoutMs / 1000} s.`,
        {
          cause: err,
          retryable: true,
        },
      );
    }
    const code = errnoCode((err as { cause?: unknown }).cause) ?? errnoCode(err);
    throw new CairnError(
      'unavailable',
      `${call.channel}: could not reach ${where}${code ? ` (${code})` : ''}.`,
      {
        cause: err,
        retryable: true,
      },
    );
  }
  if (res.ok) return text;
  const said = maskSecrets(text.replace(/\s+/g, ' ').trim().slice(0, 200), call.secrets);
  const retryable = retryableStatus(res.status);
  const code =
    res.status === 401 || res.status === 403
      ? 'access-denied'
      : retryable
        ? 'unavailable'
        : 'invalid-argument';
  throw new CairnError(
    code,
    `${call.channel}: ${where} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''}.`,
    { retryable },
  );
}
