/**
 * @module backend/rest
 * Repositories behind restic's REST protocol (v1 and v2): rest-server, `rclone serve restic`, `cairn serve-repo`.
 * URL `rest:http(s)://[user:pass@]host[:port]/[path/]`; Basic-auth credentials from the URL or the environment
 * (CAIRN_REST_USERNAME/CAIRN_REST_PASSWORD, then restic's RESTIC_REST_USERNAME/RESTIC_REST_PASSWORD); options
 * `-o rest.connections=N` and `-o rest.cacert=FILE`.
 */
import type { Backend } from '../backend.js';
import type { Env } from './location.js';
import { parseRestLocation } from './location.js';
import { RestBackend } from './rest.js';
import type { TlsSettings } from '../tls.js';

export { RestBackend } from './rest.js';
export {
  parseRestLocation,
  checkRestOptions,
  restConnections,
  REST_OPTIONS,
} from './location.js';
export { DEFAULT_CONNECTIONS } from './location.js';
export { parseListing, CONTENT_TYPE_V1, CONTENT_TYPE_V2 } from './listing.js';
export type { Listing } from './listing.js';
export type { RestConfig, Env } from './location.js';

/**
 * Parses a repository URL with the `rest:` scheme and the `-o rest.*` options into a Backend. No I/O: the first
 * request opens the connection. The result's `connections` is the `-o rest.connections` value for the limit wrapper.
 */
export function openRestBackend(
  url: string,
  options: Record<string, string>,
  env: Env,
  tls?: TlsSettings,
): RestBackend & Backend {
  const config = parseRestLocation(url, options, env);
  if (tls !== undefined) config.tls = tls;
  return new RestBackend(config);
}
