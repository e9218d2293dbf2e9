/** Which folder a request may touch: repository paths are a few plain folder names below the served root. */
import path from 'node:path';
import { CairnError } from '../core/index.js';

/** rest-server allows two levels (`/user/repo`); a few more cost nothing and allow `/team/user/repo`. */
export const MAX_REPO_DEPTH = 8;

/**
 * Whether one URL path segment may name a repository folder. Empty, `.`, `..` and hidden names (`.htpasswd`, temp
 * files) are refused, as are separators and NUL that a decoded `%2F` or `%00` could smuggle in.
 */
export function isSafeSegment(segment: string): boolean {
  if (segment === '' || segment.startsWith('.')) return false;
  if (segment.length > 255) return false;
  return !/[/\\\0]/.test(segment);
}

/** The segments of a repository sub-path (`user/repo`, '' for the root), or undefined if any is unsafe. */
export function splitRepoPath(subPath: string): string[] | undefined {
  if (subPath === '') return [];
  const segments = subPath.split('/');
  if (segments.length > MAX_REPO_DEPTH || !segments.every(isSafeSegment)) return undefined;
  return segments;
}

/**
 * The absolute folder of a repository sub-path below `root`. Checks the segments and, as a second line of defence,
 * that the joined path stays inside `root`.
 */
export function repositoryFolder(root: string, subPath: string): string {
  const segments = splitRepoPath(subPath);
  const base = path.resolve(root);
  const full = segments === undefined ? undefined : path.resolve(base, ...segments);
  const rel = full === undefined ? undefined : path.relative(base, full);
  if (full === undefined || rel === undefined || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CairnError(
      'invalid-argument',
      `The repository path "${subPath}" is not a folder below ${base}.`,
    );
  }
  return full;
}
