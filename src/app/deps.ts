import type { Backend } from '../backend/index.js';
import type { ProgressListener } from '../core/index.js';
import type { CompressionMode, Repository } from '../repository/index.js';
import type { Source, SourceSpec } from '../source/index.js';
import type { Clock, Repeater } from '../util/index.js';

/** Turns a repository URL or path into a Backend (registry.ts provides the real one; tests pass a MemBackend). */
export type BackendFactory = (url: string) => Backend;

/** Opens the source a backup reads (registry.ts provides the real one). */
export type SourceFactory = (spec: SourceSpec) => Source;

/** What every use case needs from the outside world; passed explicitly so tests can replace each part. */
export interface AppDeps {
  openBackend: BackendFactory;
  openSource: SourceFactory;
  clock: Clock;
  hostname: string;
  username: string;
  uid?: number;
  gid?: number;
  /** Messages for the user that are not results: stale locks removed, a repository created… */
  warn(message: string): void;
  /** Schedules the lock refresh; default: real intervals (tests tick by hand). */
  repeat?: Repeater;
}

/** Where the repository is. The embedded default one is created on demand and has its own password file. */
export interface RepositoryTarget {
  url: string;
  isDefault: boolean;
  /** The default repository's password file (used when no password is configured). */
  passwordFile?: string;
}

/** How the use case gets the password; each source is consulted only when needed. */
export interface PasswordSource {
  /** The password from flags or environment, or undefined when none is configured. */
  configured(): Promise<string | undefined>;
  /** Asks the user (TTY without echo); absent when nobody can be asked. */
  ask?(prompt: string): Promise<string>;
  /** The first line of standard input when it is not a terminal (restic's habit); undefined when it is empty. */
  piped?(): Promise<string | undefined>;
}

/** Lends an open repository to `fn`; with `index`, its index is brought up to date first. */
export interface SharedRepository {
  use<T>(fn: (repo: Repository) => Promise<T>, opts: { index: boolean }): Promise<T>;
}

export type LockMode = 'none' | 'shared' | 'exclusive';

/** Global options of every command that opens a repository. */
export interface OpenOptions {
  target: RepositoryTarget;
  password: PasswordSource;
  keyHint?: string;
  /** Metadata cache folder; undefined = no cache. */
  cacheDir?: string;
  /** `--cleanup-cache`: on opening, remove the cache folders of repositories unused for 30 days (as restic). */
  cleanupCache?: boolean;
  packSize?: number;
  compression?: CompressionMode;
  /** Skip the lock of read-only commands (`--no-lock`). */
  noLock?: boolean;
  /**
   * Locking removes other hosts' locks older than this many milliseconds (`--unlock-stale-after`, later a
   * per-repository setting); unset, only this host's locks of dead processes are removed.
   */
  unlockStaleAfterMs?: number;
  signal?: AbortSignal;
  /** An open repository lent for reads without a lock (the daemon's read sessions): not opened nor closed here. */
  shared?: SharedRepository;
  onProgress?: ProgressListener;
  /** False when 'backup-status' events would not be shown, so the backup can skip counting totals. */
  progressStatus?: boolean;
}
