import { CairnError, shortId, type Tree, type Id } from '../core/index.js';
import { matchList, parsePatterns, type Pattern } from './pattern.js';

export interface SelectionOptions {
  include?: string[];
  exclude?: string[];
  iinclude?: string[];
  iexclude?: string[];
}

/** Whether an entry is restored, and whether the walk must look below it (restic's SelectFilter). */
export interface Selection {
  selected: boolean;
  childMaySelect: boolean;
}

export type Selector = (path: string, isDir: boolean) => Selection;

/** Builds restic restore's combined include/exclude filter over paths inside the restored tree. */
export function makeSelector(opts: SelectionOptions): Selector {
  const includes = [parsePatterns(opts.include ?? []), parsePatterns(opts.iinclude ?? [], true)] as const;
  const excludes = [parsePatterns(opts.exclude ?? []), parsePatterns(opts.iexclude ?? [], true)] as const;
  const hasIncludes = includes[0].length + includes[1].length > 0;
  const hasExcludes = excludes[0].length + excludes[1].length > 0;
  return (path, isDir) => {
    let selected = true;
    let childMaySelect = isDir;
    if (hasExcludes && (anyMatch(excludes[0], path, false).matched || anyMatch(excludes[1], path, true).matched)) {
      return { selected: false, childMaySelect: false };
    }
    if (hasIncludes) {
      const a = anyMatch(includes[0], path, false);
      const b = a.matched && a.childMayMatch ? a : anyMatch(includes[1], path, true);
      selected = a.matched || b.matched;
      childMaySelect = isDir && (a.childMayMatch || b.childMayMatch);
    }
    return { selected, childMaySelect };
  };
}

function anyMatch(patterns: Pattern[], path: string, ignoreCase: boolean): { matched: boolean; childMayMatch: boolean } {
  return matchList(patterns, path, ignoreCase);
}

/**
 * Tree node names are untrusted input: a name that is not a single path component could make a restore write
 * outside its target, and a repeated name could turn a directory into a symlink between two writes.
 */
export function checkTreeNames(tree: Tree, snapshotId: Id, dirPath: string): void {
  const seen = new Set<string>();
  for (const node of tree.nodes) {
    const name = node.name;
    const bad = name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0');
    if (bad) {
      throw new CairnError(
        'corrupt',
        `Snapshot ${shortId(snapshotId)} has an entry with the unsafe name ${JSON.stringify(name)} in ${dirPath}; refusing to restore it.`,
      );
    }
    if (seen.has(name)) {
      throw new CairnError(
        'corrupt',
        `Snapshot ${shortId(snapshotId)} has two entries named ${JSON.stringify(name)} in ${dirPath}; refusing to restore it.`,
      );
    }
    seen.add(name);
  }
}

export function joinLoc(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
