import { CairnError, shortId, type Tree, type Id } from '../core/index.js';
import { compilePatterns, matchAny, matchAnyWithChild } from '../source/index.js';

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
  const include = compilePatterns(opts.include ?? []);
  const iinclude = compilePatterns(opts.iinclude ?? [], true);
  const exclude = compilePatterns(opts.exclude ?? []);
  const iexclude = compilePatterns(opts.iexclude ?? [], true);
  const hasIncludes = include.length + iinclude.length > 0;
  return (path, isDir) => {
    if (matchAny(exclude, path) || matchAny(iexclude, path, true)) return { selected: false, childMaySelect: false };
    if (!hasIncludes) return { selected: true, childMaySelect: isDir };
    const a = matchAnyWithChild(include, path);
    const b = matchAnyWithChild(iinclude, path, true);
    return { selected: a.matched || b.matched, childMaySelect: isDir && (a.childMayMatch || b.childMayMatch) };
  };
}

/**
 * Selects exactly these entries (paths as the restore sees them) and walks only the folders on the way to them;
 * combined with `other` (the include/exclude filter), an entry must pass both.
 */
export function onlyPaths(paths: ReadonlySet<string>, other: Selector): Selector {
  const ancestors = new Set<string>();
  for (const p of paths) {
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) ancestors.add(p.slice(0, i));
  }
  return (path, isDir) => {
    const o = other(path, isDir);
    return { selected: o.selected && paths.has(path), childMaySelect: o.childMaySelect && ancestors.has(path) };
  };
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
