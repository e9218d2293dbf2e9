import type { Backend } from '../backend/index.js';
import { CairnError, isCairnError } from '../core/index.js';
import type { Lock, RepositoryOptions } from '../repository/index.js';
import { Repository } from '../repository/index.js';
import { CACHE_MAX_AGE_DAYS, removeOldCacheDirs } from './cache-dirs.js';
import { generatePassword, readPasswordFileIfExists, writeNewPasswordFile } from './default-repository.js';
import type { AppDeps, LockMode, OpenOptions, PasswordSource, RepositoryTarget } from './deps.js';

/** An open repository with its lock; `signal` aborts on user interrupt or when the lock is lost. */
export interface Session {
  repo: Repository;
  signal: AbortSignal;
  /** Set when this call created the embedded default repository. */
  created?: { passwordFile?: string };
}

const EMPTY_PASSWORD_MESSAGE = 'An empty password is not allowed: anyone with the repository files could open it.';

export const NO_PASSWORD_MESSAGE =
  'no password given: use --password-file, --password-command or the CAIRN_PASSWORD environment variable.';

/** The password of an existing repository: configured → default password file → asked → error. */
export async function resolvePassword(target: RepositoryTarget, source: PasswordSource): Promise<string> {
  const configured = await source.configured();
  if (configured !== undefined) return configured;
  if (target.isDefault && target.passwordFile !== undefined) {
    const fromFile = await readPasswordFileIfExists(target.passwordFile);
    if (fromFile !== undefined) return fromFile;
  }
  if (source.ask) return source.ask(`enter password for repository: `);
  const piped = await readPiped(source);
  if (piped !== undefined) return piped;
  throw new CairnError('invalid-argument', NO_PASSWORD_MESSAGE);
}

/** A password piped on standard input: read once (restic does not ask twice there), never an empty one. */
async function readPiped(source: PasswordSource): Promise<string | undefined> {
  const piped = await source.piped?.();
  if (piped === '') throw new CairnError('invalid-argument', EMPTY_PASSWORD_MESSAGE);
  return piped;
}

/** A password for a new repository or key: configured, else asked twice, else error; never an empty one. */
export async function resolveNewPassword(source: PasswordSource, what: string): Promise<string | undefined> {
  const configured = await source.configured();
  if (configured === '') throw new CairnError('invalid-argument', EMPTY_PASSWORD_MESSAGE);
  if (configured !== undefined) return configured;
  if (!source.ask) return readPiped(source);
  const first = await source.ask(`enter password for ${what}: `);
  const again = await source.ask('enter password again: ');
  if (first !== again) throw new CairnError('invalid-argument', 'The passwords do not match.');
  if (first === '') throw new CairnError('invalid-argument', EMPTY_PASSWORD_MESSAGE);
  return first;
}

export async function repositoryExists(backend: Backend): Promise<boolean> {
  try {
    await backend.stat({ type: 'config', name: 'config' });
    return true;
  } catch (err) {
    if (isCairnError(err, 'not-found')) return false;
    throw err;
  }
}

export function repositoryOptions(deps: AppDeps, opts: OpenOptions, password: string): RepositoryOptions {
  const o: RepositoryOptions = {
    password,
    clock: deps.clock,
    hostname: deps.hostname,
    username: deps.username,
    onWarning: (m) => deps.warn(m),
  };
  if (opts.keyHint !== undefined) o.keyHint = opts.keyHint;
  if (opts.cacheDir !== undefined) o.cacheDir = opts.cacheDir;
  if (opts.packSize !== undefined) o.packSize = opts.packSize;
  if (opts.compression !== undefined) o.compression = opts.compression;
  if (opts.unlockStaleAfterMs !== undefined) o.unlockStaleAfterMs = opts.unlockStaleAfterMs;
  if (deps.repeat !== undefined) o.repeat = deps.repeat;
  return o;
}

/**
 * Creates a repository at the target. For the default repository without a configured password, a new random
 * password goes into its password file (0600) and the user is told to keep a copy of it.
 */
export async function createRepository(
  deps: AppDeps,
  opts: OpenOptions,
  extra: { chunkerPolynomial?: bigint; version?: 1 | 2 } = {},
): Promise<Session> {
  const { target } = opts;
  const backend = deps.openBackend(target.url);
  if (await repositoryExists(backend)) {
    throw new CairnError('repository-exists', `A repository already exists at ${backend.location}.`);
  }
  let password = await opts.password.configured();
  let passwordFile: string | undefined;
  if (password === undefined && target.isDefault && target.passwordFile !== undefined) {
    passwordFile = target.passwordFile;
    password = await readPasswordFileIfExists(passwordFile);
    if (password === undefined) {
      password = generatePassword();
      await writeNewPasswordFile(passwordFile, password);
    }
  }
  if (password === '') throw new CairnError('invalid-argument', EMPTY_PASSWORD_MESSAGE);
  password ??= await resolveNewPassword(opts.password, 'new repository');
  if (password === undefined) throw new CairnError('invalid-argument', NO_PASSWORD_MESSAGE);
  await backend.create();
  const initOpts = { ...repositoryOptions(deps, opts, password), ...extra };
  const repo = await Repository.init(backend, initOpts);
  if (passwordFile !== undefined) {
    deps.warn(
      `created a new repository at ${backend.location}; its password is in ${passwordFile}: keep a copy of ` +
        'that file somewhere else, since without it the backups cannot be restored',
    );
  }
  const created = passwordFile === undefined ? {} : { passwordFile };
  return { repo, signal: opts.signal ?? new AbortController().signal, created };
}

/** Opens an existing repository; a missing default repository is created only when `createDefault` is set. */
export async function openRepository(
  deps: AppDeps,
  opts: OpenOptions,
  createDefault = false,
): Promise<Session> {
  const { target } = opts;
  const backend = deps.openBackend(target.url);
  if (target.isDefault && !(await repositoryExists(backend))) {
    if (createDefault) return createRepository(deps, opts);
    throw new CairnError(
      'repository-not-found',
      `no repository at ${backend.location}; run \`cairn backup PATH\` or \`cairn init\` first.`,
    );
  }
  const password = await resolvePassword(target, opts.password);
  const repo = await Repository.open(backend, repositoryOptions(deps, opts, password));
  if (opts.cleanupCache === true && opts.cacheDir !== undefined) await cleanupCache(deps, opts.cacheDir);
  return { repo, signal: opts.signal ?? new AbortController().signal };
}

/** restic's `--cleanup-cache`: after the open refreshed this repository's folder, the stale ones go. */
async function cleanupCache(deps: AppDeps, base: string): Promise<void> {
  try {
    await removeOldCacheDirs(base, CACHE_MAX_AGE_DAYS, deps.clock.now());
  } catch (err) {
    deps.warn(`cannot remove old cache folders in ${base}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Runs `fn` on an open, locked repository and always releases the lock and closes the repository afterwards.
 * `readOnly` commands honour `--no-lock`. With `preloadIndex`, the index loads while the lock settles (restic's
 * 200 ms wait) and is brought up to date once the lock holds, so `fn` never sees index files that another process
 * pruned in between. When the lock is lost, the error that stops `fn` is the lost lock, not an interrupt.
 */
export async function withRepository<T>(
  deps: AppDeps,
  opts: OpenOptions,
  mode: LockMode,
  fn: (session: Session) => Promise<T>,
  { readOnly = false, createDefault = false, preloadIndex = false, index = false }: WithRepositoryOptions = {},
): Promise<T> {
  const shared = opts.shared;
  if (shared && !createDefault && (mode === 'none' || (readOnly && opts.noLock === true))) {
    const signal = opts.signal ?? new AbortController().signal;
    return shared.use((repo) => fn({ repo, signal }), { index: index || preloadIndex });
  }
  const session = await openRepository(deps, opts, createDefault);
  let lock: Lock | undefined;
  let result: T;
  // A failed preload is ignored: the reload below redoes it, and a lock that fails is reported instead.
  const preload = preloadIndex ? session.repo.loadIndex().catch(() => undefined) : undefined;
  try {
    if (mode !== 'none' && !(readOnly && opts.noLock === true)) {
      lock = await session.repo.lock({ exclusive: mode === 'exclusive' });
      session.signal = AbortSignal.any([lock.signal, ...(opts.signal ? [opts.signal] : [])]);
    }
    if (preload) await preload;
    if (preload || index) await session.repo.loadIndex();
    result = await fn(session);
  } catch (err) {
    // Cleaning up after a failure must not hide the error that got us here.
    await finish(session.repo, lock).catch(() => undefined);
    throw lostLockReason(lock) ?? err;
  }
  await finish(session.repo, lock);
  return result;
}

export interface WithRepositoryOptions {
  readOnly?: boolean;
  createDefault?: boolean;
  preloadIndex?: boolean;
  /** Loads the index (once the lock holds) before `fn`. */
  index?: boolean;
}

/** The lock-failed error of a lock that was lost, if it was. */
function lostLockReason(lock: Lock | undefined): unknown {
  return lock?.signal.aborted === true ? (lock.signal.reason as unknown) : undefined;
}

async function finish(repo: Repository, lock: Lock | undefined): Promise<void> {
  try {
    await lock?.release();
  } finally {
    await repo.close();
  }
}
