import type { FileType } from '../core/index.js';

/** Names one file of a repository. `config` has the fixed name 'config'; every other name is a 64-hex storage id. */
export interface Handle {
  type: FileType;
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
}

/**
 * Storage for one repository: a flat namespace of immutable files grouped by type.
 *
 * Contract (every implementation passes the conformance suite in `backend/testing`):
 * - Files are written once, whole, and never modified. `write` is atomic: readers and `list` see either no file or
 *   the complete file, never a part of it, also after a crash. Writing a name that exists replaces it with the same
 *   content (names are content hashes), so a retried write is harmless.
 * - `read` returns exactly the requested range; asking past the end is an error, never a short read. Without
 *   `length` it returns from `offset` to the end.
 * - A missing file is a `CairnError` with code `not-found` from `stat`, `read` and `remove`. Errors a retry may fix
 *   (timeouts, resets, 5xx) have `retryable: true`; everything else is permanent.
 * - `list` yields each file of a type once, in no particular order; for `data` it covers all `data/XX/` folders.
 * - Methods may be called concurrently; the implementation bounds nothing itself (the `wrap` room does).
 */
export interface Backend {
  /** Human-readable location, without secrets (for messages). */
  readonly location: string;
  /**
   * How many transfers at once pay off (a remote store's connection limit; two for a local disk, so that one pack's
   * fsync overlaps the next write); absent means one. Wrappers pass it through.
   */
  readonly connections?: number;
  /** Creates the folders/bucket a new repository needs; succeeds if they exist. */
  create(): Promise<void>;
  list(type: FileType): AsyncIterable<FileInfo>;
  stat(handle: Handle): Promise<FileInfo>;
  read(handle: Handle, offset?: number, length?: number): Promise<Buffer>;
  write(handle: Handle, data: Uint8Array): Promise<void>;
  remove(handle: Handle): Promise<void>;
  /** Releases connections; the backend is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Plain files in a bucket, by name below the URL's prefix: what the daemon's archives (tar files any `tar` reads)
 * are uploaded to. Unlike a repository's files, names are free and bodies are streamed.
 */
export interface ObjectStore {
  /** The URL as shown in messages (never carries secrets). */
  readonly location: string;
  /** Uploads `body` as `name`; the object becomes visible only once complete, never half written. Returns its size. */
  put(name: string, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<number>;
  /** The objects directly below the prefix. */
  list(): AsyncIterable<FileInfo>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}
