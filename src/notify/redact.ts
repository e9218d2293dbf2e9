import { maskCredentials } from '../util/index.js';

/** The stand-in for anything secret (the one `maskCredentials` puts in URLs). */
export const MASK = '***';

/** Query parameters and `key=value` / `key: value` pairs whose name says they carry a credential. */
const SECRET_PAIR =
  /\b((?:access_?token|api_?key|auth|key|password|passwd|pass|pwd|secret|sign|signature|token)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"']+)/gi;

/**
 * Masks secrets in a text meant for people: passwords in URLs (`https://user:***@host`, by util's
 * `maskCredentials`, as every CLI message and log line), and on top of that credential-named query
 * parameters and `key=value` pairs, and every literal in `secrets` (passwords the caller knows, such as the
 * repository passwords and the channels' own credentials). Secrets shorter than 4 characters are masked only
 * through the patterns, so a password "a" does not blank every "a" of a message.
 */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 4) out = out.split(s).join(MASK);
  }
  return maskCredentials(out).replace(SECRET_PAIR, (_m, key: string) => `${key}${MASK}`);
}

/** A URL as it may appear in a log line or report: the origin only (the path of a webhook URL is its credential). */
export function describeUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
