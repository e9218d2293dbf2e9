/**
 * The composition root: the one place that names concrete backends and sources. A repository URL becomes a Backend
 * here and nowhere else, and a SourceSpec a Source; the app receives `openBackend` and `openSource` as dependencies so
 * tests can pass a MemBackend instead.
 */
import type { Backend, ObjectStore, TlsFlags, TlsSettings } from './backend/index.js';
import { loadTlsSettings } from './backend/index.js';
import { LocalBackend } from './backend/local/index.js';
import { openRestBackend } from './backend/rest/index.js';
import { openS3Backend, openS3ObjectStore } from './backend/s3/index.js';
import { openSftpBackend } from './backend/sftp/index.js';
import type { LimitOptions, RetryInfo, RetryOptions } from './backend/wrap/index.js';
import { retryOptionsFromEnv, withLimits, withRetry } from './backend/wrap/index.js';
import { CairnError } from './core/index.js';
import type { RestoreTarget, Source, SourceSpec } from './source/index.js';
import { CompositeSource } from './source/composite/index.js';
import { DumpSource, mysqlDriver, mysqlTarget, postgresDriver, postgresTarget } from './source/db/index.js';
import { DockerClient, DockerContainerSource, DockerVolumeSource, dockerEndpoint, dockerVolumeTarget } from './source/docker/index.js';
import { FilesSource } from './source/files/index.js';
import { SqliteSource, sqliteTarget } from './source/sqlite/index.js';
import { commandSource, stdinSource } from './source/stream/index.js';

export type { LimitOptions, RetryInfo };

/** What the command line adds to a repository URL: `-o key=value` options, limits and the process environment. */
export interface BackendContext {
  options?: Record<string, string>;
  limits?: LimitOptions;
  env?: Record<string, string | undefined>;
  /** Told about each retry of a remote backend call (the CLI prints it). */
  onRetry?: (info: RetryInfo) => void;
  /** `--cacert`, `--insecure-tls`, `--tls-client-cert` for HTTPS backends (REST, S3). */
  tls?: TlsFlags;
  /** Asks for an SSH key's passphrase on the terminal; absent without one. */
  askPassphrase?: (prompt: string) => Promise<string>;
}

/** Turns a repository URL or path into a Backend. */
export type BackendFactory = (url: string) => Backend;

/** URL schemes restic knows that Cairn does not serve. */
const UNSUPPORTED = ['b2', 'azure', 'gs', 'swift', 'rclone'];

type RemoteOpener = (
  url: string,
  options: Record<string, string>,
  env: Record<string, string | undefined>,
  ctx: BackendContext,
) => Backend;
const REMOTE: Record<string, RemoteOpener> = {
  s3: (url, options, env, ctx) => openS3Backend(url, options, env, tlsOf(ctx)),
  sftp: (url, options, env, ctx) => openSftpBackend(url, options, env, ctx.askPassphrase),
  rest: (url, options, env, ctx) => openRestBackend(url, options, env, tlsOf(ctx)),
};

function tlsOf(ctx: BackendContext): TlsSettings | undefined {
  return loadTlsSettings(ctx.tls);
}

/**
 * The scheme of a repository URL in lower case (`S3:host/bucket` → `s3`: schemes are case-insensitive), or undefined
 * for a plain local path. Anything that starts like `name:` is a URL, never a local folder; `./name:x` is one.
 */
export function repositoryScheme(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  // A one-letter "scheme" is a Windows drive letter, never a backend.
  if (!m || m[1]!.length < 2) return undefined;
  return m[1]!.toLowerCase();
}

export function openBackend(given: string, ctx: BackendContext = {}): Backend {
  if (given.trim() === '') throw new CairnError('invalid-argument', 'The repository location is empty.');
  const options = ctx.options ?? {};
  const scheme = repositoryScheme(given);
  // The backends parse their own URLs and expect the scheme in lower case.
  const url = scheme === undefined ? given : `${scheme}${given.slice(scheme.length)}`;
  if (scheme === undefined || scheme === 'local') {
    rejectOptions(options, 'a local repository');
    const local = new LocalBackend(scheme === undefined ? url : url.slice('local:'.length));
    return ctx.limits ? withLimits(local, ctx.limits) : local;
  }
  const opener = REMOTE[scheme];
  if (opener) {
    const env = ctx.env ?? process.env;
    const backend = opener(url, options, env, ctx);
    // The backend's own connection count (-o s3.connections…) bounds calls in flight.
    const limits: LimitOptions = { ...ctx.limits };
    if (backend.connections !== undefined) limits.connections = backend.connections;
    const retry: RetryOptions = retryOptionsFromEnv(env);
    if (ctx.onRetry) retry.onRetry = ctx.onRetry;
    return withRetry(withLimits(backend, limits), retry);
  }
  if (UNSUPPORTED.includes(scheme)) {
    throw new CairnError('invalid-argument', `${scheme}: repositories are not supported; use local, s3, sftp or rest.`);
  }
  throw new CairnError(
    'invalid-argument',
    `Unknown repository type "${scheme}:" in ${url}; start a local folder's name with ./ if that is what you mean.`,
  );
}

/**
 * Plain files at a URL (the daemon's archives): only `s3:` for now; a local folder is written by the caller.
 * `partSize` lets tests cut a small file into several parts.
 */
export function openObjectStore(
  url: string,
  ctx: { options?: Record<string, string>; env?: Record<string, string | undefined>; partSize?: number } = {},
): Promise<ObjectStore> {
  if (repositoryScheme(url) !== 's3')
    throw new CairnError('invalid-argument', `Archives go to a local folder or an s3: URL, not to ${url}.`);
  return openS3ObjectStore(`s3${url.slice(2)}`, ctx.options ?? {}, ctx.env ?? process.env, ctx.partSize);
}

function rejectOptions(options: Record<string, string>, what: string): void {
  const key = Object.keys(options)[0];
  if (key !== undefined) throw new CairnError('invalid-argument', `Option -o ${key} does not apply to ${what}.`);
}

/** Opens the source a backup reads. @throws CairnError 'invalid-argument' for options the source rejects. */
export function openSource(spec: SourceSpec): Source {
  switch (spec.kind) {
    case 'files':
      return new FilesSource(spec);
    case 'stdin':
      return stdinSource(spec);
    case 'command':
      return commandSource(spec);
    case 'docker-volume':
      // A volume is read through its mountpoint with the files source: its contents form the volume's folder.
      return new DockerVolumeSource(spec, (dir) => new FilesSource({ kind: 'files', paths: ['.'], cwd: dir }));
    case 'docker-container':
      return new DockerContainerSource(spec);
    case 'mysql':
      return new DumpSource(mysqlDriver(spec), spec.database, '.sql');
    case 'postgres':
      return new DumpSource(postgresDriver(spec), spec.database, '.dump');
    case 'sqlite':
      return new SqliteSource(spec);
    case 'composite':
      return new CompositeSource(spec, openSource);
  }
}

/** Where `restore --to URI` loads a dump (or a volume's folder) back. @throws CairnError 'invalid-argument' for a kind that cannot be one. */
export function openRestoreTarget(spec: SourceSpec): RestoreTarget {
  switch (spec.kind) {
    case 'mysql':
      return mysqlTarget(spec);
    case 'postgres':
      return postgresTarget(spec);
    case 'sqlite':
      return sqliteTarget(spec);
    case 'docker-volume':
      return dockerVolumeTarget(dockerClient(spec.dockerHost), spec);
    default:
      throw new CairnError('invalid-argument', `restore --to takes a mysql://, postgres://, sqlite:// or docker-volume: URI, not a ${spec.kind} source.`);
  }
}

/** The daemon a Docker spec names, else DOCKER_HOST's (or the local socket). */
function dockerClient(host: string | undefined): DockerClient {
  return host === undefined ? DockerClient.fromEnv() : new DockerClient(dockerEndpoint(host));
}
