/**
 * The composition root: the one place that names concrete backends. A repository URL becomes a Backend here and
 * nowhere else; the app receives `openBackend` as a dependency so tests can pass a MemBackend instead.
 */
import type { Backend } from './backend/index.js';
import { LocalBackend } from './backend/local/index.js';
import { CairnError } from './core/index.js';

/** Turns a repository URL or path into a Backend. */
export type BackendFactory = (url: string) => Backend;

/** URL schemes restic knows that Cairn does not serve (yet). */
const UNSUPPORTED = ['s3', 'sftp', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone'];

/** The scheme of a repository URL (`s3:host/bucket` → `s3`), or undefined for a plain local path. */
export function repositoryScheme(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/.exec(url);
  // A one-letter "scheme" is a Windows drive letter, never a backend.
  if (!m || m[1]!.length < 2) return undefined;
  return m[1];
}

export const openBackend: BackendFactory = (url) => {
  if (url.trim() === '') throw new CairnError('invalid-argument', 'The repository location is empty.');
  const scheme = repositoryScheme(url);
  if (scheme === undefined) return new LocalBackend(url);
  if (scheme === 'local') return new LocalBackend(url.slice('local:'.length));
  if (UNSUPPORTED.includes(scheme)) {
    throw new CairnError('invalid-argument', `${scheme}: backends are not supported yet; use a local path.`);
  }
  throw new CairnError('invalid-argument', `Unknown repository type "${scheme}:" in ${url}.`);
};
