/**
 * The URL space of restic's REST protocol: `/<repo…>/` (create), `/<repo…>/config`, `/<repo…>/<type>/` (list)
 * and `/<repo…>/<type>/<id>`. The repository part is zero or more folder names before the first reserved name.
 */
import type { FileType } from '../core/index.js';
import { MAX_REPO_DEPTH, isSafeSegment } from './repo-path.js';

export type ObjectType = Exclude<FileType, 'config'>;

export const OBJECT_TYPES: readonly ObjectType[] = ['data', 'keys', 'locks', 'snapshots', 'index'];

export type Route =
  | { kind: 'repository'; repo: string[] }
  | { kind: 'config'; repo: string[] }
  | { kind: 'list'; repo: string[]; type: ObjectType }
  | { kind: 'object'; repo: string[]; type: ObjectType; name: string };

const ID = /^[0-9a-f]{64}$/;

function isObjectType(s: string): s is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(s);
}

/** Percent-decodes one segment; undefined for malformed escapes. */
function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Parses the path of a request URL (without the query string). Undefined means 404: unknown layout, a bad id, or
 * a repository path that is unsafe (`..`, hidden names, encoded separators) or too deep.
 */
export function parseRoute(urlPath: string): Route | undefined {
  if (!urlPath.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of urlPath.slice(1).split('/')) {
    const s = decode(raw);
    if (s === undefined) return undefined;
    segments.push(s);
  }
  const at = segments.findIndex((s) => s === 'config' || isObjectType(s));
  const repoEnd = at === -1 ? segments.length : at;
  const repo = segments.slice(0, repoEnd);
  // A trailing slash after the repository folders (`/user/repo/`) leaves one empty segment.
  if (at === -1 && repo.length > 0 && repo[repo.length - 1] === '') repo.pop();
  if (repo.length > MAX_REPO_DEPTH || !repo.every(isSafeSegment)) return undefined;
  if (at === -1) return { kind: 'repository', repo };
  const rest = segments.slice(at);
  const head = rest[0]!;
  if (head === 'config') return rest.length === 1 ? { kind: 'config', repo } : undefined;
  if (!isObjectType(head)) return undefined;
  // `/data` and `/data/` both list; restic sends the slash.
  if (rest.length === 1 || (rest.length === 2 && rest[1] === '')) return { kind: 'list', repo, type: head };
  if (rest.length === 2 && ID.test(rest[1]!)) return { kind: 'object', repo, type: head, name: rest[1]! };
  return undefined;
}

/** Splits a request target into its path and query (`/a/?create=true`), without normalising `..` away. */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  if (q === -1) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}
