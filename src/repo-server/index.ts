/**
 * @module repo-server
 * The REST repository server (`cairn serve-repo`): restic's REST protocol v1 and v2 over node:http(s), serving
 * repository folders on local disk in restic's layout. It streams files to and from disk and creates them
 * exclusively; it never reaches into repository/: it moves files, it does not understand them.
 */
export {
  createRepositoryServer,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_UPLOAD_BYTES,
} from './server.js';
export type { RepositoryServer, RepositoryServerOptions, TlsFiles } from './server.js';
export { HtpasswdAuthenticator, parseBasicAuth } from './auth.js';
export type { Authenticator, HtpasswdOptions } from './auth.js';
export { parseHtpasswd, verifyPassword } from './htpasswd.js';
export { parseListenAddress } from './listen.js';
export type { ListenAddress } from './listen.js';
export { httpStatusFor } from './errors.js';
export { sweepUnfinishedUploads } from './store.js';
